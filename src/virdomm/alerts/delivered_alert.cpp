#include "alerts/delivered_alert.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/hex.h"
#include "common/json_writer.h"

namespace virdomm {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMonitorAlertBytes = 2048;

std::string StringField(const json& object, const char* key, bool required = true) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) {
      throw Error(std::string("no \"") + key + "\"");
    }
    return {};
  }
  if (!it->is_string()) {
    throw Error(std::string("\"") + key + "\" is not a string");
  }
  return it->get<std::string>();
}

std::uint64_t CountField(const json& object, const char* key, bool required = true) {
  auto it = object.find(key);
  if (it == object.end() && !required) {
    return 0;
  }
  if (it == object.end() || !it->is_number_unsigned()) {
    throw Error(std::string("\"") + key + "\" is not a non-negative integer");
  }
  return it->get<std::uint64_t>();
}

std::vector<std::string> StringList(const json& object, const char* key) {
  std::vector<std::string> list;
  auto it = object.find(key);
  if (it == object.end()) {
    return list;
  }
  if (!it->is_array()) {
    throw Error(std::string("\"") + key + "\" is not an array");
  }
  for (const json& item : *it) {
    if (!item.is_string()) {
      throw Error(std::string("\"") + key + "\" holds a non-string");
    }
    list.push_back(item.get<std::string>());
  }
  return list;
}

json Parse(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw Error("not a JSON object");
  }
  return parsed;
}

void ReadAlertFields(const json& object, DeliveredAlert& alert) {
  alert.spool = StringField(object, "spool");
  if (alert.spool.size() != 32 || !IsLowerHex(alert.spool)) {
    throw Error("\"spool\" is not 32 hex digits");
  }
  alert.seq = CountField(object, "seq");
  if (alert.seq == 0) {
    throw Error("\"seq\" is 0");
  }
  alert.time = StringField(object, "time");
  alert.severity = StringField(object, "severity");
  if (alert.severity != "info" && alert.severity != "warning" && alert.severity != "critical") {
    throw Error("\"severity\" is '" + alert.severity + "', not info, warning or critical");
  }
  alert.summary = StringField(object, "summary");
  alert.findings = StringList(object, "findings");
  alert.findings_omitted = CountField(object, "findings_omitted", false);
}

void WriteMember(JsonWriter& out, const char* key, const PairMember& member) {
  out.Key(key).BeginObject().Key("name").String(member.name).Key("uuid").String(member.uuid);
  if (member.domid) {
    out.Key("domid").Int(*member.domid);
  }
  out.EndObject();
}

PairMember ReadMember(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) {
    throw Error(std::string("no \"") + key + "\" object");
  }
  PairMember member{StringField(*it, "name"), StringField(*it, "uuid"), std::nullopt};
  if (auto domid = it->find("domid"); domid != it->end() && domid->is_number_unsigned()) {
    member.domid = domid->get<std::uint32_t>();
  }
  return member;
}

// Text from a guest reaches a terminal: control characters would be escape sequences.
std::string Printable(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = '?';
    }
  }
  return out;
}

}  // namespace

DeliveredAlert ParseMonitorAlert(const std::string& text) {
  if (text.size() > kMaxMonitorAlertBytes) {
    throw Error("alert of " + std::to_string(text.size()) + " bytes, over the " +
                std::to_string(kMaxMonitorAlertBytes) + " allowed");
  }
  json object = Parse(text);
  DeliveredAlert alert;
  ReadAlertFields(object, alert);
  alert.source = StringField(object, "monitor");
  return alert;
}

std::string FormatAlertLine(const DeliveredAlert& alert) {
  JsonWriter out;
  out.BeginObject().Key("id").String(alert.Id()).Key("received").String(alert.received);
  out.Key("host").String(alert.host);
  WriteMember(out, "domu", alert.target);
  WriteMember(out, "domm", alert.monitor);
  out.Key("spool").String(alert.spool).Key("seq").Int(static_cast<std::int64_t>(alert.seq));
  out.Key("time").String(alert.time).Key("monitor").String(alert.source);
  out.Key("severity").String(alert.severity).Key("summary").String(alert.summary);
  out.Key("findings").BeginArray();
  for (const std::string& finding : alert.findings) {
    out.String(finding);
  }
  out.EndArray();
  if (alert.findings_omitted > 0) {
    out.Key("findings_omitted").Int(static_cast<std::int64_t>(alert.findings_omitted));
  }
  std::string line = out.EndObject().Finish();
  // Finish() ends the document with a newline; the log adds its own line ends.
  if (!line.empty() && line.back() == '\n') {
    line.pop_back();
  }
  return line;
}

DeliveredAlert ParseAlertLine(const std::string& line) {
  json object = Parse(line);
  DeliveredAlert alert;
  ReadAlertFields(object, alert);
  alert.source = StringField(object, "monitor");
  alert.received = StringField(object, "received");
  alert.host = StringField(object, "host");
  alert.target = ReadMember(object, "domu");
  alert.monitor = ReadMember(object, "domm");
  return alert;
}

std::string FormatAlertText(const DeliveredAlert& alert) {
  std::string domu = alert.target.name.empty() ? alert.target.uuid : alert.target.name;
  std::string text = Printable(alert.time + " " + alert.host + " " + domu + " " + alert.severity +
                               " " + alert.source + ": " + alert.summary);
  for (const std::string& finding : alert.findings) {
    text += "\n    " + Printable(finding);
  }
  if (alert.findings_omitted > 0) {
    text += "\n    (" + std::to_string(alert.findings_omitted) + " more)";
  }
  return text;
}

}  // namespace virdomm
