// An alert as dom0 records it: Domain M's alert (its spool, seq, monitor, severity, summary,
// findings), checked field by field, with the pair's names and UUIDs and the host added. One
// JSON object a line in the alert log; the same fields go to the journal (journal_sink.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace virdomm {

struct PairMember {
  std::string name;  // empty when the domain does not run on this host
  std::string uuid;
  std::optional<std::uint32_t> domid;
};

struct DeliveredAlert {
  std::string received;  // when dom0 took it, UTC
  std::string host;
  PairMember monitor;  // Domain M
  PairMember target;   // DomU
  std::string spool;
  std::uint64_t seq = 0;
  std::string time;      // when Domain M raised it
  std::string source;    // the monitor inside M: "memory", "storage", "spool", ...
  std::string severity;  // "info", "warning", "critical"
  std::string summary;
  std::vector<std::string> findings;
  std::uint64_t findings_omitted = 0;

  [[nodiscard]] std::string Id() const { return spool + ":" + std::to_string(seq); }
};

// Reads Domain M's JSON (alerts/alert.h of the monitor); throws Error saying which field is
// wrong. Longer than 2048 bytes, not an object, a spool that is not 32 hex digits, an unknown
// severity: all refused. The caller fills in received, host, monitor and target.
DeliveredAlert ParseMonitorAlert(const std::string& json);

// The log line (no newline) and its inverse, which `virdomm alerts` uses.
std::string FormatAlertLine(const DeliveredAlert& alert);
DeliveredAlert ParseAlertLine(const std::string& line);

// One line for a person: "2026-12-03T14:02:11Z host1 rig-domu critical memory: ...".
std::string FormatAlertText(const DeliveredAlert& alert);

}  // namespace virdomm
