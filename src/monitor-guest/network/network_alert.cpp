#include "network/network_alert.h"

namespace virdomm::monitor {
namespace {

std::string Endpoint(const std::string& ip, const std::optional<std::uint16_t>& port) {
  std::string address = ip.empty() ? "?" : ip;
  if (!port) {
    return address;
  }
  // An IPv6 address with a port reads as [addr]:port.
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(*port);
}

}  // namespace

std::string SeverityOfPriority(int priority) {
  return priority <= 1 ? "critical" : priority == 2 ? "warning" : "info";
}

std::string FlowOf(const EveAlert& eve) {
  return (eve.proto.empty() ? "?" : eve.proto) + " " + Endpoint(eve.src_ip, eve.src_port) + " -> " +
         Endpoint(eve.dest_ip, eve.dest_port);
}

Alert NetworkAlertOf(const EveAlert& eve, const std::string& subject, const std::string& time) {
  Alert alert;
  alert.time = time;
  alert.monitor = "network";
  alert.severity = SeverityOfPriority(eve.priority);
  std::string sid = "sid " + std::to_string(eve.signature_id);
  alert.summary = (eve.signature.empty() ? "Suricata alert" : eve.signature) + " (" + sid +
                  ") in " + subject + ": " + FlowOf(eve);
  alert.findings.push_back("rule: " + sid + " rev " + std::to_string(eve.rev) + " priority " +
                           std::to_string(eve.priority) + ": " + eve.signature);
  alert.findings.push_back("flow: " + FlowOf(eve) +
                           (eve.app_proto.empty() ? "" : " app " + eve.app_proto));
  if (!eve.http_url.empty() || !eve.http_hostname.empty()) {
    alert.findings.push_back("http: " + (eve.http_method.empty() ? "?" : eve.http_method) + " " +
                             eve.http_hostname + eve.http_url);
  }
  if (!eve.dns_rrname.empty()) {
    alert.findings.push_back("dns: query " + eve.dns_rrname +
                             (eve.dns_rrtype.empty() ? "" : " " + eve.dns_rrtype));
  }
  if (!eve.timestamp.empty()) {
    alert.findings.push_back("seen by Suricata at " + eve.timestamp);
  }
  return alert;
}

}  // namespace virdomm::monitor
