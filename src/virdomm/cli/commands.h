// The `virdomm` subcommands, each a function over a connection and two output streams, and
// the exit statuses they share.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "pairing/pairing.h"

namespace virdomm {

// Exit statuses (documented in virdomm.1 and src/virdomm/README.md).
enum ExitStatus : int {
  kExitOk = 0,
  kExitCheckFailed = 1,  // `check` found a problem (or `show` a pair that is not mutual)
  kExitUsage = 2,        // bad command line
  kExitFailed = 3,       // an operation failed or was refused; nothing half-done is left
};

struct CliContext {
  std::optional<std::string> uri;  // nullopt: libvirt's default URI
  std::ostream& out;
  std::ostream& err;
};

struct PairOptions {
  std::string monitor;
  std::string target;
  std::optional<std::string> storage;
  std::string memory_regions = "kernel-text kernel-rodata";
  std::uint32_t interval_ms = 1000;
  GrantFailurePolicy on_grant_failure = GrantFailurePolicy::kAbort;
  std::optional<MoveOrder> move_order;    // nullopt: the hook accepts either order
  std::optional<std::string> mirror_mac;  // canonical; nullopt: no traffic mirror
  bool force = false;
};

// `virdomm migrate`: the pair of DOMAIN to DEST_URI, one member after the other.
struct MigrateOptions {
  std::string domain;  // either member
  std::string dest_uri;
  std::optional<std::string> migrate_uri;  // libvirt's --migrateuri
  std::optional<MoveOrder> order;          // nullopt: the pairing's policy, else DomU first
  bool live_monitor = false;               // move Domain M live too (needs shadow paging)
  bool persistent = false;                 // define the members on the destination
  bool undefine_source = false;            // and remove their definitions from the source
};

int RunPair(const CliContext& ctx, const PairOptions& options);
int RunUnpair(const CliContext& ctx, const std::string& domain);
int RunShow(const CliContext& ctx, const std::string& domain, bool json);
int RunList(const CliContext& ctx, bool json);
int RunCheck(const CliContext& ctx, const std::optional<std::string>& domain);
int RunMigrate(const CliContext& ctx, const MigrateOptions& options);

}  // namespace virdomm
