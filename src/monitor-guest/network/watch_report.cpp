#include "network/watch_report.h"

#include "common/json_writer.h"

namespace virdomm::monitor {

std::string FormatWatchEvent(bool json, const std::string& time, const std::string& event,
                             const std::string& message, const ReportFields& fields) {
  if (!json) {
    return time + " network " + event + ": " + message + "\n";
  }
  JsonWriter writer;
  writer.BeginObject()
      .Key("time")
      .String(time)
      .Key("monitor")
      .String("network")
      .Key("event")
      .String(event)
      .Key("message")
      .String(message);
  for (const auto& [key, value] : fields) {
    writer.Key(key).String(value);
  }
  return writer.EndObject().Finish();  // Finish ends the line
}

}  // namespace virdomm::monitor
