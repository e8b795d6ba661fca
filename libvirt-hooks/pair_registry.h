// What each paired domain said about itself when it started on this host, kept under
// /run/virdomm/hook/domains/<uuid> so the second member of a pair can check that the claim
// is mutual without asking libvirt (the hook must never call libvirt).
#pragma once

#include <optional>
#include <string>

#include "pairing/pairing.h"
#include "xen/xen_host.h"

namespace virdomm {

struct Registration {
  std::string uuid;
  std::string name;
  DomId domid = 0;
  PairingRole role = PairingRole::kTarget;
  std::string partner_uuid;
  std::string partner_name;
  GrantFailurePolicy on_grant_failure = GrantFailurePolicy::kAbort;
  // A monitor's <network mirror-mac>: DomU's hook needs it when DomU binds the pair. Empty:
  // none (and in files written before the mirror existed).
  std::string mirror_mac;
  // A monitor's settings from its pairing, which DomU's hook publishes when DomU binds the
  // pair. nullopt for a target, and in files written before they were recorded.
  std::optional<MonitorSettings> settings;
  bool operator==(const Registration&) const = default;
};

// The registration file's text, and back. ParseRegistration throws Error naming the fault.
std::string FormatRegistration(const Registration& registration);
Registration ParseRegistration(std::string_view text, const std::string& what);

class PairRegistry {
 public:
  // `run_dir` is normally /run/virdomm; files live in <run_dir>/hook/domains/.
  explicit PairRegistry(std::string run_dir);

  // Writes atomically (temporary file, rename), mode 0600; creates the directories.
  void Register(const Registration& registration) const;
  // Removes the domain's file; nothing to do is fine.
  void Unregister(const std::string& uuid) const;
  // The registration, nullopt when none. Throws Error on an unreadable or malformed file.
  [[nodiscard]] std::optional<Registration> Find(const std::string& uuid) const;

  [[nodiscard]] std::string PathOf(const std::string& uuid) const;

 private:
  std::string dir_;
};

}  // namespace virdomm
