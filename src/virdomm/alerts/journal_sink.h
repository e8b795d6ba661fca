// Alerts into the systemd journal, with the pair's names and UUIDs as fields of their own
// (VIRDOMM_DOMU_NAME, VIRDOMM_DOMU_UUID, VIRDOMM_DOMM_NAME, VIRDOMM_DOMM_UUID, VIRDOMM_MONITOR,
// VIRDOMM_SEVERITY, VIRDOMM_ALERT_ID), so `journalctl VIRDOMM_DOMU_NAME=web1` finds them.
#pragma once

#include <optional>
#include <string>

#include "alerts/delivered_alert.h"

namespace virdomm {

// Returns the error when the journal could not take the alert (no journald on this host).
std::optional<std::string> SendToJournal(const DeliveredAlert& alert);

}  // namespace virdomm
