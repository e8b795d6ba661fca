// Reads every domain on a connection into DomainViews for ListPairs/CheckPairs.
#pragma once

#include <vector>

#include "libvirt/connection.h"
#include "pairing/pair_report.h"

namespace virdomm {

std::vector<DomainView> CollectDomainViews(const Connection& conn, const PairingSchema& schema);

// The view of one domain.
DomainView ViewOf(const Domain& domain, const PairingSchema& schema);

}  // namespace virdomm
