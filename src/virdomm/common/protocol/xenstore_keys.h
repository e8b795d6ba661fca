// Where the dom0 hook publishes a pair's binding and where Domain M reports back, in xenstore
// (libvirt-hooks/PROTOCOL.md "Xenstore keys"). The one spelling of every key both sides use:
// the hook that writes a key and the monitor that reads it cannot disagree on its name.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace virdomm::protocol {

using DomId = std::uint32_t;

// The directory under Domain M's home that holds the binding (dom0 writes, M reads).
inline constexpr std::string_view kBindingDirectory = "virdomm";

// The binding's keys, each relative to kBindingDirectory.
inline constexpr std::string_view kTargetDomidKey = "target-domid";
inline constexpr std::string_view kTargetUuidKey = "target-uuid";
inline constexpr std::string_view kStateKey = "state";
// Incremented in the same transaction as every change of the others; Domain M watches it.
inline constexpr std::string_view kGenerationKey = "generation";
inline constexpr std::array<std::string_view, 4> kBindingKeys = {kTargetDomidKey, kTargetUuidKey,
                                                                 kStateKey, kGenerationKey};

// Xen's own key under Domain M's home: the domid of M's target (what xen-privcmd follows).
inline constexpr std::string_view kXenTargetKey = "target";

// Written by Domain M under its own home (the guest may write data/): the mappings its
// xen-privcmd re-made for the current binding, "<domid> <pages re-made> <pages refused>".
inline constexpr std::string_view kMappingsKey = "data/virdomm-mappings";

// The alert channel (PROTOCOL.md "Alerts"). Domain M writes, under its own home, one value per
// pending alert, `data/virdomm-alerts/<seq>`, and one health record per monitor,
// `data/virdomm-health/<monitor>`; dom0's collector answers in the binding directory with
// "<spool-id> <seq>", the last alert it delivered (only dom0 may write there).
inline constexpr std::string_view kAlertsDirectory = "data/virdomm-alerts";
inline constexpr std::string_view kHealthDirectory = "data/virdomm-health";
inline constexpr std::string_view kAlertsAckedKey = "alerts-acked";

// /local/domain/<domid>: a domain's xenstore home.
std::string DomainHome(DomId domid);
// /local/domain/<monitor>/virdomm: the binding directory of Domain M `monitor`.
std::string BindingDirectoryPath(DomId monitor);
// /local/domain/<monitor>/virdomm/<key>, for one of kBindingKeys.
std::string BindingKeyPath(DomId monitor, std::string_view key);
// /local/domain/<monitor>/target.
std::string XenTargetPath(DomId monitor);
// /local/domain/<monitor>/data/virdomm-mappings.
std::string MappingsPath(DomId monitor);
// virdomm/<key>: a binding key relative to a domain's own home, the way Domain M (whose
// xenstore connection resolves relative paths there) and its kernel read it.
std::string OwnBindingKey(std::string_view key);

}  // namespace virdomm::protocol
