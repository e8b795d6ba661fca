// Drives TcMirror from the integration test, in whatever network namespace it runs in, and
// counts UDP packets carrying a marker on one device with an AF_PACKET socket.
//   tc_mirror_tool install DEV MIRROR_DEV | remove DEV | orphans DEV | show DEV
//   tc_mirror_tool count DEV MS READY_FILE MARKER...   (prints "MARKER N" per marker)
//   tc_mirror_tool listen ADDR PORT MS READY_FILE MARKER...  (UDP datagrams delivered)
//   tc_mirror_tool domain-start M U MAC VIF | domain-stop U | domain-orphans U
//     (what the hook runs: every vif<U>.* of this namespace; M's vif as named, no xenstore)
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_handle.h"
#include "network/tc_mirror.h"
#include "network/traffic_mirror.h"
#include "traffic_mirror_plugin.h"

namespace {

// UDP over IPv4 whose payload holds the marker. Only UDP counts: an ICMP error quoting the
// datagram carries the marker too, but is no copy of it.
bool IsUdpWith(const unsigned char* frame, std::size_t size, const std::string& marker) {
  if (size < 14 + 20 + 8 || frame[12] != 0x08 || frame[13] != 0x00) {
    return false;
  }
  const std::size_t ihl = static_cast<std::size_t>(frame[14] & 0x0f) * 4;
  if (frame[14 + 9] != 17 || size < 14 + ihl + 8) {
    return false;
  }
  std::string payload(reinterpret_cast<const char*>(frame) + 14 + ihl + 8, size - 14 - ihl - 8);
  return payload.find(marker) != std::string::npos;
}

int Count(const std::string& device, int ms, const std::string& ready_file,
          const std::vector<std::string>& markers) {
  virdomm::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!fd.Valid()) {
    virdomm::ThrowErrno("socket(AF_PACKET)");
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(::if_nametoindex(device.c_str()));
  if (addr.sll_ifindex == 0) {
    virdomm::ThrowErrno("if_nametoindex(" + device + ")");
  }
  if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    virdomm::ThrowErrno("bind(AF_PACKET, " + device + ")");
  }
  std::ofstream(ready_file) << "ready\n";
  std::map<std::string, int> counts;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  std::vector<unsigned char> frame(65536);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd p{fd.Get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    sockaddr_ll from{};
    socklen_t from_len = sizeof(from);
    ssize_t n = ::recvfrom(fd.Get(), frame.data(), frame.size(), 0,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
    // Frames this namespace sends out of the device come back as PACKET_OUTGOING: not copies.
    if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) {
      continue;
    }
    for (const std::string& marker : markers) {
      if (IsUdpWith(frame.data(), static_cast<std::size_t>(n), marker)) {
        ++counts[marker];
      }
    }
  }
  for (const std::string& marker : markers) {
    std::cout << marker << " " << counts[marker] << "\n";
  }
  return 0;
}

// Datagrams delivered to a UDP socket: proof that traffic passed the vif's filters.
int Listen(const std::string& address, int port, int ms, const std::string& ready_file,
           const std::vector<std::string>& markers) {
  virdomm::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.Valid()) {
    virdomm::ThrowErrno("socket(AF_INET)");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    throw virdomm::Error("not an IPv4 address: " + address);
  }
  if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    virdomm::ThrowErrno("bind(" + address + ":" + std::to_string(port) + ")");
  }
  std::ofstream(ready_file) << "ready\n";
  std::map<std::string, int> counts;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  std::vector<char> datagram(65536);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd p{fd.Get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    ssize_t n = ::recv(fd.Get(), datagram.data(), datagram.size(), 0);
    if (n <= 0) {
      continue;
    }
    const std::string text(datagram.data(), static_cast<std::size_t>(n));
    for (const std::string& marker : markers) {
      if (text.find(marker) != std::string::npos) {
        ++counts[marker];
      }
    }
  }
  for (const std::string& marker : markers) {
    std::cout << marker << " " << counts[marker] << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    args.emplace_back();
  }
  try {
    if (args.size() == 3 && args[0] == "install") {
      virdomm::TcMirror().Install(args[1], args[2]);
      return 0;
    }
    if (args.size() == 2 && args[0] == "remove") {
      std::cout << virdomm::TcMirror().Remove(args[1]) << "\n";
      return 0;
    }
    if (args.size() == 2 && args[0] == "orphans") {
      std::cout << virdomm::TcMirror().RemoveOrphans(args[1]) << "\n";
      return 0;
    }
    if (args.size() == 2 && args[0] == "show") {
      for (const auto& f : virdomm::TcMirror().Find(args[1])) {
        std::printf("%s %s 0x%x %u\n", std::string(virdomm::ToString(f.hook)).c_str(),
                    f.kind.c_str(), f.handle, f.target_ifindex);
      }
      return 0;
    }
    if (args[0].rfind("domain-", 0) == 0 && args.size() >= 2) {
      // The per-domain commands go through the hook's own path: the plugin it loads.
      std::unique_ptr<virdomm::TrafficMirror> loaded =
          virdomm::LoadTrafficMirrorPlugin(virdomm::TrafficMirrorPluginPath());
      virdomm::TrafficMirror& mirror = *loaded;
      const auto target = static_cast<virdomm::protocol::DomId>(
          std::stoul(args[0] == "domain-start" && args.size() == 5 ? args[2] : args[1]));
      if (args[0] == "domain-start" && args.size() == 5) {
        const auto monitor = static_cast<virdomm::protocol::DomId>(std::stoul(args[1]));
        std::cout << mirror.Start({monitor, target, args[3], args[4]}) << "\n";
        return 0;
      }
      if (args[0] == "domain-stop" && args.size() == 2) {
        std::cout << mirror.Stop(target) << "\n";
        return 0;
      }
      if (args[0] == "domain-orphans" && args.size() == 2) {
        std::cout << mirror.RemoveOrphans(target) << "\n";
        return 0;
      }
    }
    if (args.size() >= 6 && args[0] == "listen") {
      return Listen(args[1], std::stoi(args[2]), std::stoi(args[3]), args[4],
                    std::vector<std::string>(args.begin() + 5, args.end()));
    }
    if (args.size() >= 5 && args[0] == "count") {
      return Count(args[1], std::stoi(args[2]), args[3],
                   std::vector<std::string>(args.begin() + 4, args.end()));
    }
  } catch (const std::exception& e) {
    std::cerr << "tc_mirror_tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: tc_mirror_tool install DEV MIRROR | remove DEV | orphans DEV | show DEV | "
               "count DEV MS READY_FILE MARKER... | listen ADDR PORT MS READY_FILE MARKER... | "
               "domain-start M U MAC VIF | domain-stop U | domain-orphans U\n";
  return 2;
}
