// Shared helpers for the hook's unit tests: golden domain XML, a scratch run directory, and a
// bench that runs RunHook against the in-memory Xen.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hook_executor.h"
#include "hook_log.h"
#include "xen/memory_xen_host.h"

namespace virdomm::test {

// Golden file under tests/data/hook/.
std::string ReadGolden(const std::string& name);

// The XML with <domain id='N'> set to `id`, or without an id when nullopt.
std::string WithId(const std::string& xml, std::optional<int> id);
// The XML with every occurrence of `from` replaced by `to` (must occur at least once).
std::string Replace(const std::string& xml, const std::string& from, const std::string& to);

// A fresh directory, removed with its contents at destruction.
class ScratchDir {
 public:
  ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  [[nodiscard]] const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text);
bool FileExists(const std::string& path);

// One member of a pair as the tests use it.
struct TestDomain {
  std::string name;
  std::string uuid;
  GuestKind kind;
  std::string xml;  // golden XML (any id)
};

TestDomain MonitorM();   // web1-ids, PV, names web1, policy abort
TestDomain TargetU();    // web1, PVH, names web1-ids, policy abort
TestDomain MonitorM2();  // web1-ids2, PV, also names web1
// web1-ids with <network mirror-mac="52:54:00:5d:ea:22">, its second NIC (vif7.1 in its XML)
TestDomain MonitorWithMirror();

// Records what the hook asked of the traffic mirror; fails every call when `fail` is set.
class FakeTrafficMirror : public TrafficMirror {
 public:
  std::string Start(const MirrorRequest& request) override;
  std::string Stop(DomId target) override;
  std::string RemoveOrphans(DomId target) override;
  std::vector<std::string> calls;  // "start M=7 U=9 52:54:00:5d:ea:22 vif7.1", "stop U=9", ...
  bool fail = false;
};

class HookBench {
 public:
  HookBench();

  // Runs the hook for `op sub_op` with `xml` on stdin (as libvirt would).
  HookOutcome Run(const std::string& name, const std::string& op, const std::string& sub_op,
                  const std::string& xml);

  // Adds the domain to Xen as `domid` (paused or running), then runs `started begin`.
  HookOutcome Start(const TestDomain& d, DomId domid, bool paused = false);
  HookOutcome Reconnect(const TestDomain& d, DomId domid);
  HookOutcome Prepare(const TestDomain& d);
  // Destroys the domain in Xen (dying), then runs `stopped end` (XML with the old id) and
  // `release end` (XML without id); returns both outcomes.
  std::vector<HookOutcome> Stop(const TestDomain& d, DomId domid);

  MemoryXenHost xen;
  FakeTrafficMirror network;
  int network_opened = 0;
  MemoryHookLog log;
  bool xen_unreachable = false;
  int xen_opened = 0;
  ScratchDir run_dir;
};

// Lines of the log at or above `level` joined with newlines (for failure messages).
std::string LogText(const MemoryHookLog& log);

}  // namespace virdomm::test
