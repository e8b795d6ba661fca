// syslog backend of the hook's log.
#include "hook_log.h"

#include <syslog.h>

namespace virdomm {

SyslogHookLog::SyslogHookLog() { openlog("virdomm-hook", LOG_PID, LOG_DAEMON); }

SyslogHookLog::~SyslogHookLog() { closelog(); }

void SyslogHookLog::Write(LogLevel level, const std::string& message) {
  int priority = level == LogLevel::kError     ? LOG_ERR
                 : level == LogLevel::kWarning ? LOG_WARNING
                                               : LOG_INFO;
  syslog(priority, "%s", message.c_str());
}

}  // namespace virdomm
