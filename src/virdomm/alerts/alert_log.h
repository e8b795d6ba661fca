// dom0's alert log: every alert delivered on this host, one JSON line each (delivered_alert.h),
// for a SIEM to ship and for `virdomm alerts` to show. Appended and fdatasync'ed before
// Domain M is told an alert was delivered, so a crash can repeat an alert, never lose one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "alerts/delivered_alert.h"
#include "common/unique_handle.h"

namespace virdomm {

inline constexpr const char* kDefaultAlertLog = "/var/log/virdomm/alerts.jsonl";

class AlertLogWriter {
 public:
  explicit AlertLogWriter(std::filesystem::path path);     // creates the file (and directory)
  void Append(const std::vector<DeliveredAlert>& alerts);  // durable when it returns

  // The highest seq of each spool among the last `tail_bytes` of the log: where a collector
  // that restarted goes on from.
  [[nodiscard]] std::map<std::string, std::uint64_t> LastSeqs(std::size_t tail_bytes) const;

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

// Calls `line` for each line of the log (a line that is not an alert is passed too; the
// caller decides). With `follow`, keeps reading as lines arrive, and from the start of a new
// file when the log was rotated, until `line` returns false.
void ReadAlertLog(const std::filesystem::path& path, bool follow,
                  const std::function<bool(const std::string&)>& line);

}  // namespace virdomm
