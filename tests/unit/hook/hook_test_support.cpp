// Helpers for the hook's unit tests.
#include "hook_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/error.h"

namespace virdomm::test {

std::string ReadGolden(const std::string& name) {
  std::ifstream in(std::string(VIRDOMM_TEST_DATA_DIR) + "/hook/" + name);
  if (!in) {
    throw Error("missing golden file tests/data/hook/" + name);
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WithId(const std::string& xml, std::optional<int> id) {
  static const std::regex kDomainTag(R"(<domain type='xen'( id='[0-9]+')?>)");
  std::string tag = id ? "<domain type='xen' id='" + std::to_string(*id) + "'>"
                       : std::string("<domain type='xen'>");
  return std::regex_replace(xml, kDomainTag, tag, std::regex_constants::format_first_only);
}

std::string Replace(const std::string& xml, const std::string& from, const std::string& to) {
  std::string out = xml;
  std::size_t pos = out.find(from);
  if (pos == std::string::npos) {
    throw Error("test helper: '" + from + "' not in the XML");
  }
  while (pos != std::string::npos) {
    out.replace(pos, from.size(), to);
    pos = out.find(from, pos + to.size());
  }
  return out;
}

ScratchDir::ScratchDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "virdomm-hook-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    ThrowErrno("mkdtemp");
  }
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

TestDomain MonitorM() {
  return {"web1-ids", "5dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPv,
          ReadGolden("monitor-pv.xml")};
}

TestDomain MonitorWithMirror() {
  return {"web1-ids", "5dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPv,
          ReadGolden("monitor-pv-mirror.xml")};
}

std::string FakeTrafficMirror::Start(const MirrorRequest& request) {
  calls.push_back("start M=" + std::to_string(request.monitor) +
                  " U=" + std::to_string(request.target) + " " + request.mirror_mac +
                  (request.mirror_vif_hint.empty() ? "" : " " + request.mirror_vif_hint));
  if (fail) {
    throw Error("netlink: adding the u32 mirror filter on vif9.0 ingress: Operation not permitted");
  }
  return "mirroring vif9.0 to vif7.1";
}

std::string FakeTrafficMirror::Stop(DomId target) {
  calls.push_back("stop U=" + std::to_string(target));
  if (fail) {
    throw Error("netlink: connecting a NETLINK_ROUTE socket: Operation not permitted");
  }
  return "removed 2 mirror filter(s)";
}

std::string FakeTrafficMirror::RemoveOrphans(DomId target) {
  calls.push_back("orphans U=" + std::to_string(target));
  if (fail) {
    throw Error("netlink: connecting a NETLINK_ROUTE socket: Operation not permitted");
  }
  return "removed 0 orphaned mirror filter(s)";
}

TestDomain TargetU() {
  return {"web1", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPvh,
          ReadGolden("target-pvh.xml")};
}

TestDomain MonitorM2() {
  return {"web1-ids2", "6dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPv,
          ReadGolden("monitor2-pv.xml")};
}

HookBench::HookBench() = default;

HookOutcome HookBench::Run(const std::string& name, const std::string& op,
                           const std::string& sub_op, const std::string& xml) {
  HookEvent event = ParseHookEvent({name, op, sub_op, "-"}, xml);
  HookContext context;
  context.run_dir = run_dir.Path();
  context.log = &log;
  context.xen = [this]() -> XenHost& {
    ++xen_opened;
    if (xen_unreachable) {
      throw Error(
          "opening the Xen control interface (/dev/xen/privcmd; is this a Xen dom0 with "
          "xen-utils running?): No such file or directory");
    }
    return xen;
  };
  context.network = [this]() -> TrafficMirror& {
    ++network_opened;
    return network;
  };
  return RunHook(event, context);
}

HookOutcome HookBench::Start(const TestDomain& d, DomId domid, bool paused) {
  xen.AddDomain(XenDomainInfo{domid, d.uuid, d.kind, false, false, paused});
  return Run(d.name, "started", "begin", WithId(d.xml, static_cast<int>(domid)));
}

HookOutcome HookBench::Reconnect(const TestDomain& d, DomId domid) {
  return Run(d.name, "reconnect", "begin", WithId(d.xml, static_cast<int>(domid)));
}

HookOutcome HookBench::Prepare(const TestDomain& d) {
  return Run(d.name, "prepare", "begin", WithId(d.xml, std::nullopt));
}

std::vector<HookOutcome> HookBench::Stop(const TestDomain& d, DomId domid) {
  xen.KillDomain(domid);
  std::vector<HookOutcome> out;
  out.push_back(Run(d.name, "stopped", "end", WithId(d.xml, static_cast<int>(domid))));
  out.push_back(Run(d.name, "release", "end", WithId(d.xml, std::nullopt)));
  return out;
}

std::string LogText(const MemoryHookLog& log) {
  std::string out;
  for (const auto& entry : log.entries) {
    out += (entry.level == LogLevel::kError     ? "E: "
            : entry.level == LogLevel::kWarning ? "W: "
                                                : "I: ") +
           entry.message + "\n";
  }
  return out;
}

}  // namespace virdomm::test
