#include "alerts/journal_sink.h"

#include <syslog.h>
#include <systemd/sd-journal.h>

#include <cstring>

namespace virdomm {

std::optional<std::string> SendToJournal(const DeliveredAlert& alert) {
  int priority = alert.severity == "critical"  ? LOG_CRIT
                 : alert.severity == "warning" ? LOG_WARNING
                                               : LOG_INFO;
  std::string domu = alert.target.name.empty() ? alert.target.uuid : alert.target.name;
  std::string message = "virdomm alert on " + domu + " (" + alert.severity + ", " + alert.source +
                        "): " + alert.summary;
  int result = sd_journal_send(
      "MESSAGE=%s", message.c_str(), "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=virdomm",
      "VIRDOMM_ALERT_ID=%s", alert.Id().c_str(), "VIRDOMM_DOMU_NAME=%s", alert.target.name.c_str(),
      "VIRDOMM_DOMU_UUID=%s", alert.target.uuid.c_str(), "VIRDOMM_DOMM_NAME=%s",
      alert.monitor.name.c_str(), "VIRDOMM_DOMM_UUID=%s", alert.monitor.uuid.c_str(),
      "VIRDOMM_MONITOR=%s", alert.source.c_str(), "VIRDOMM_SEVERITY=%s", alert.severity.c_str(),
      "VIRDOMM_RAISED=%s", alert.time.c_str(), nullptr);
  if (result < 0) {
    return std::string("journal: ") + std::strerror(-result);
  }
  return std::nullopt;
}

}  // namespace virdomm
