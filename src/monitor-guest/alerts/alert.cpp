#include "alerts/alert.h"

#include "common/json_writer.h"

namespace virdomm::monitor {
namespace {

constexpr std::size_t kMaxSummaryBytes = 300;
constexpr std::size_t kMaxFindingBytes = 240;

// Cuts at a UTF-8 character boundary, marking the cut.
std::string Shorten(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  std::size_t end = limit - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0U) == 0x80U) {
    --end;
  }
  return text.substr(0, end) + "...";
}

std::string Encode(const Alert& alert, const SpoolPosition& position, std::size_t findings) {
  JsonWriter json;
  json.BeginObject()
      .Key("spool")
      .String(position.spool_id)
      .Key("seq")
      .Int(static_cast<std::int64_t>(position.seq))
      .Key("time")
      .String(alert.time)
      .Key("monitor")
      .String(alert.monitor)
      .Key("severity")
      .String(alert.severity)
      .Key("summary")
      .String(Shorten(alert.summary, kMaxSummaryBytes))
      .Key("findings")
      .BeginArray();
  for (std::size_t i = 0; i < findings; ++i) {
    json.String(Shorten(alert.findings[i], kMaxFindingBytes));
  }
  json.EndArray();
  if (findings < alert.findings.size()) {
    json.Key("findings_omitted").Int(static_cast<std::int64_t>(alert.findings.size() - findings));
  }
  return json.EndObject().Finish();
}

}  // namespace

std::string EncodeAlert(const Alert& alert, const SpoolPosition& position) {
  std::size_t findings = alert.findings.size();
  std::string encoded = Encode(alert, position, findings);
  while (encoded.size() > kMaxAlertBytes && findings > 0) {
    --findings;
    encoded = Encode(alert, position, findings);
  }
  return encoded;  // without findings, the shortened fields always fit
}

}  // namespace virdomm::monitor
