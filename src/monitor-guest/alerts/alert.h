// An alert as Domain M raises it: one finding of a monitor, told once when it appears, carried
// to dom0 through the spool (alert_spool.h) and the publisher (alert_publisher.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace virdomm::monitor {

// Xenstore carries each alert as one value; dom0's collector refuses longer ones. Well under
// xenstored's 4096-byte message payload, which also holds the path.
inline constexpr std::size_t kMaxAlertBytes = 2048;

struct Alert {
  std::string time;      // UTC, ISO 8601
  std::string monitor;   // "memory", "storage", "network", "spool" (the spool's own notices)
  std::string severity;  // "info", "warning", "critical"
  std::string summary;   // one line a person reads: "kprobe at __x64_sys_getpid+5"
  std::vector<std::string> findings;  // one line per finding, most severe first
};

// Where an alert sits in its spool: the spool's id (random, made once with the spool) and the
// alert's sequence number there, which together name it uniquely for a SIEM's de-duplication.
struct SpoolPosition {
  std::string spool_id;
  std::uint64_t seq = 0;
};

// The alert as one JSON object of at most kMaxAlertBytes: findings that do not fit are
// dropped from the end and counted ("findings_omitted"), an over-long summary is cut.
std::string EncodeAlert(const Alert& alert, const SpoolPosition& position);

}  // namespace virdomm::monitor
