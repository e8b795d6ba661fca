#include "network/eve_record.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace virdomm::monitor {
namespace {

using nlohmann::json;

// Control characters (a URL can carry any byte) become '?', and the text is cut at a UTF-8
// character boundary; invalid UTF-8 is left to JsonWriter, which replaces it.
std::string Clean(const std::string& text) {
  std::string out = text.substr(0, kMaxEveFieldBytes);
  if (out.size() < text.size()) {
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0U) == 0x80U) {
      --end;
    }
    out.resize(end);
  }
  for (char& c : out) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20U || byte == 0x7fU) {
      c = '?';
    }
  }
  return out;
}

std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? Clean(it->get<std::string>()) : std::string();
}

std::optional<std::uint64_t> Count(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) {
    return std::nullopt;
  }
  return it->get<std::uint64_t>();
}

std::optional<std::uint16_t> Port(const json& object, const char* key) {
  std::optional<std::uint64_t> value = Count(object, key);
  if (!value || *value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*value);
}

const json* Object(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

// Suricata 7 writes an alert's DNS query as dns.query[] (eve version 2), 8 as dns.queries[]
// (version 3) and a DNS event as dns.rrname: the first name found is taken.
void ReadDns(const json& dns, EveAlert& alert) {
  alert.dns_rrname = Text(dns, "rrname");
  alert.dns_rrtype = Text(dns, "rrtype");
  for (const char* list : {"query", "queries"}) {
    auto it = dns.find(list);
    if (!alert.dns_rrname.empty() || it == dns.end() || !it->is_array()) {
      continue;
    }
    for (const json& entry : *it) {
      if (entry.is_object() && !Text(entry, "rrname").empty()) {
        alert.dns_rrname = Text(entry, "rrname");
        alert.dns_rrtype = Text(entry, "rrtype");
        break;
      }
    }
  }
}

EveAlert ReadAlert(const json& record, const json& fields) {
  EveAlert alert;
  alert.timestamp = Text(record, "timestamp");
  std::optional<std::uint64_t> sid = Count(fields, "signature_id");
  if (!sid) {
    throw Error("alert record without a numeric alert.signature_id");
  }
  alert.signature_id = *sid;
  alert.rev = Count(fields, "rev").value_or(0);
  alert.signature = Text(fields, "signature");
  std::optional<std::uint64_t> priority = Count(fields, "severity");
  if (priority && *priority >= 1 && *priority <= 255) {
    alert.priority = static_cast<int>(*priority);
  }
  alert.proto = Text(record, "proto");
  alert.src_ip = Text(record, "src_ip");
  alert.dest_ip = Text(record, "dest_ip");
  alert.src_port = Port(record, "src_port");
  alert.dest_port = Port(record, "dest_port");
  alert.app_proto = Text(record, "app_proto");
  if (const json* http = Object(record, "http")) {
    alert.http_method = Text(*http, "http_method");
    alert.http_hostname = Text(*http, "hostname");
    alert.http_url = Text(*http, "url");
  }
  if (const json* dns = Object(record, "dns")) {
    ReadDns(*dns, alert);
  }
  return alert;
}

EveStats ReadStats(const json& record, const json& stats) {
  const json* capture = Object(stats, "capture");
  if (capture == nullptr) {
    throw Error("stats record without stats.capture (is the capture AF_PACKET?)");
  }
  EveStats result;
  result.timestamp = Text(record, "timestamp");
  result.kernel_packets = Count(*capture, "kernel_packets").value_or(0);
  std::optional<std::uint64_t> drops = Count(*capture, "kernel_drops");
  if (!drops) {
    throw Error("stats record without a numeric stats.capture.kernel_drops");
  }
  result.kernel_drops = *drops;
  return result;
}

}  // namespace

EveRecord ParseEveLine(std::string_view line) {
  if (line.size() > kMaxEveLineBytes) {
    throw Error("line of " + std::to_string(line.size()) + " bytes, more than " +
                std::to_string(kMaxEveLineBytes));
  }
  json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) {
    throw Error("not JSON");
  }
  if (!record.is_object()) {
    throw Error("not a JSON object");
  }
  std::string type = Text(record, "event_type");
  if (type.empty()) {
    throw Error("no event_type");
  }
  if (type == "alert") {
    const json* fields = Object(record, "alert");
    if (fields == nullptr) {
      throw Error("alert record without an \"alert\" object");
    }
    return ReadAlert(record, *fields);
  }
  if (type == "stats") {
    const json* stats = Object(record, "stats");
    if (stats == nullptr) {
      throw Error("stats record without a \"stats\" object");
    }
    return ReadStats(record, *stats);
  }
  return EveOther{type};
}

}  // namespace virdomm::monitor
