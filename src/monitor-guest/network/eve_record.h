// One line of Suricata's eve.json as domm-monitor needs it: an alert (signature, flow, the
// HTTP URL or DNS name that matched) or a stats record (capture drops); anything else is
// recognised only to be ignored. DomU's traffic decides most of these strings: each is
// bounded and stripped of control characters here, before it goes anywhere else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace virdomm::monitor {

// Lines longer than this are not parsed (Suricata's stats records, the longest ones written
// with this project's configuration, are about 7 KiB).
inline constexpr std::size_t kMaxEveLineBytes = std::size_t{64} * 1024;
// Each string taken from a record is cut to this many bytes.
inline constexpr std::size_t kMaxEveFieldBytes = 256;

struct EveAlert {
  std::string timestamp;  // Suricata's, as written
  std::uint64_t signature_id = 0;
  std::uint64_t rev = 0;
  std::string signature;
  int priority = 3;  // eve's alert.severity: the rule's priority, 1 the most severe
  std::string proto;
  std::string src_ip;
  std::string dest_ip;
  std::optional<std::uint16_t> src_port;
  std::optional<std::uint16_t> dest_port;
  std::string app_proto;
  std::string http_method;
  std::string http_hostname;
  std::string http_url;
  std::string dns_rrname;
  std::string dns_rrtype;
};

struct EveStats {
  std::string timestamp;
  std::uint64_t kernel_packets = 0;
  std::uint64_t kernel_drops = 0;
};

// A well-formed record of another event type (flow, anomaly, ...): nothing to act on.
struct EveOther {
  std::string event_type;
};

using EveRecord = std::variant<EveAlert, EveStats, EveOther>;

// Parses one line (without its newline). Throws Error saying what is wrong with it: not JSON,
// not an object, no event_type, an alert or stats record without the fields it must have.
EveRecord ParseEveLine(std::string_view line);

}  // namespace virdomm::monitor
