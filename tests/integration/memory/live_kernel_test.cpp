// The memory checker against a real, running Debian 6.1 kernel (QEMU TCG, KASLR on, RAM in a
// shared file): locate, clean checks, a rootkit-style write into text and sys_call_table, a
// kprobe and the function tracer set inside the guest, acknowledgement, garbage memory.
// One guest is booted for the whole binary; the cases run in order against it.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/hex.h"
#include "core/signing_key.h"
#include "memory/baseline.h"
#include "memory/file_memory.h"
#include "memory/kernel_locator.h"
#include "memory/kernel_model.h"
#include "memory/memory_checker.h"
#include "qemu_guest.h"

namespace virdomm::monitor {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

struct CommandResult {
  int status = -1;
  std::string output;
};

class LiveKernelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = fs::path(VIRDOMM_BINARY_DIR) / ("memory-live-" + std::to_string(getpid()));
    fs::create_directories(work_);
    fs::path initramfs = work_ / "initramfs.cpio";
    // The rootkit-style module, built against the headers of the very kernel the guest boots.
    std::string abi = fs::canonical(VIRDOMM_MEMORY_KERNEL).filename().string().substr(8);
    fs::path module_path = work_ / "hook-module.path";
    std::string build_module = std::string(VIRDOMM_MEMORY_SCRIPTS) + "/build-hook-module.sh " +
                               abi + " > " + module_path.string();
    if (std::system(build_module.c_str()) == 0) {
      std::ifstream(module_path) >> hook_module_;
    }
    std::string build = std::string(VIRDOMM_MEMORY_SCRIPTS) + "/make-initramfs.sh " +
                        initramfs.string() + " " + hook_module_;
    ASSERT_EQ(std::system(build.c_str()), 0) << build;
    fs::path ram = fs::path("/dev/shm") / ("virdomm-memory-live-" + std::to_string(getpid()));
    guest_ = new testing::QemuGuest(VIRDOMM_MEMORY_KERNEL, initramfs, ram, work_ / "console.log");
    std::string ready = guest_->WaitForLine("VIRDOMM-READY", seconds(240));
    guest_release_ = ready.substr(ready.find("VIRDOMM-READY ") + 14);
    model_ = new KernelModel(LoadKernelModel(KernelSources{VIRDOMM_MEMORY_KERNEL, {}, {}}));
    // The CLI runs below take the extracted ELF: xz-decoding the bzImage costs ~3 s a run.
    vmlinux_ = work_ / "vmlinux";
    std::ofstream(vmlinux_, std::ios::binary)
        .write(reinterpret_cast<const char*>(model_->vmlinux.data()),
               static_cast<std::streamsize>(model_->vmlinux.size()));
    key_ = work_ / "key";
    std::ofstream(key_) << "0123456789abcdef0123456789abcdef";
    fs::permissions(key_, fs::perms::owner_read | fs::perms::owner_write);  // no one else's
    baseline_ = work_ / "baseline";
  }

  static void TearDownTestSuite() {
    delete guest_;
    guest_ = nullptr;
    delete model_;
    model_ = nullptr;
    std::error_code ignored;
    fs::remove_all(work_, ignored);
  }

  static CommandResult Monitor(const std::string& arguments) {
    fs::path output = work_ / "monitor.out";
    std::string command = std::string(VIRDOMM_BINARY_DIR) +
                          "/src/monitor-guest/domm-monitor memory " + arguments + " > " +
                          output.string() + " 2>&1";
    int status = std::system(command.c_str());
    std::ifstream in(output);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
  }

  static std::string Source() {
    return "--file " + guest_->RamFile().string() + " --kernel " + vmlinux_.string();
  }
  static std::string Signed() {
    return Source() + " --baseline " + baseline_.string() + " --key " + key_.string();
  }

  static CheckReport CheckNow() {
    FileMemory memory(guest_->RamFile(), LayoutSpec{});
    std::vector<uint8_t> key = LoadKeyFile(key_);
    KernelBaseline baseline = LoadBaseline(baseline_, key);
    MemoryChecker checker(memory, *model_, baseline);
    return checker.Check();
  }

  static const Change* FindChange(const CheckReport& report, ChangeKind kind,
                                  const std::string& location) {
    for (const Change& change : report.changes) {
      if (change.kind == kind && change.location == location) {
        return &change;
      }
    }
    return nullptr;
  }

  // Changes the kernel did not make itself (an idle guest may still flip a static key).
  static std::vector<Change> Critical(const CheckReport& report) {
    std::vector<Change> critical;
    for (const Change& change : report.changes) {
      if (change.GetSeverity() == Severity::kCritical) {
        critical.push_back(change);
      }
    }
    return critical;
  }

  static std::string Describe(const CheckReport& report) {
    std::string text;
    for (const Change& change : report.changes) {
      text += ToString(change.kind) + " " + change.location + "; ";
    }
    return text;
  }

  static uint64_t Owned(const CheckReport& report, OwnerKind kind) {
    return report.module_area.owned_pages[static_cast<std::size_t>(kind)];
  }

  // The module-area scan ran, with every owner list read, and found nothing unowned.
  static void ExpectNoHiddenCode(const CheckReport& report) {
    const ModuleAreaScan& scan = report.module_area;
    ASSERT_FALSE(scan.not_scanned.has_value()) << *scan.not_scanned;
    EXPECT_TRUE(scan.gaps.empty()) << scan.gaps.front();
    EXPECT_EQ(scan.hidden_pages, 0u) << Describe(report);
    uint64_t owned = 0;
    for (uint64_t pages : scan.owned_pages) {
      owned += pages;
    }
    EXPECT_EQ(owned, scan.executable_pages);
    std::printf(
        "module area: %llu executable pages (module %llu, kprobe slots %llu, BPF %llu, "
        "ftrace trampoline %llu), %zu owners, scan %.2f ms\n",
        static_cast<unsigned long long>(scan.executable_pages),
        static_cast<unsigned long long>(Owned(report, OwnerKind::kModule)),
        static_cast<unsigned long long>(Owned(report, OwnerKind::kKprobeSlots)),
        static_cast<unsigned long long>(Owned(report, OwnerKind::kBpf)),
        static_cast<unsigned long long>(Owned(report, OwnerKind::kFtraceTrampoline)), scan.owners,
        scan.elapsed_ms);
  }

  // Writes into the guest's RAM from outside, as a rootkit with a write primitive would.
  static std::vector<uint8_t> PokeLink(uint64_t link_address, std::vector<uint8_t> bytes) {
    FileMemory memory(guest_->RamFile(), LayoutSpec{});
    KernelPlacement placement = LocateKernel(memory, *model_);
    uint64_t physical = placement.PhysicalOf(link_address, model_->text_link);
    int fd = open(guest_->RamFile().c_str(), O_RDWR);
    EXPECT_GE(fd, 0);
    std::vector<uint8_t> old(bytes.size());
    EXPECT_EQ(pread(fd, old.data(), old.size(), static_cast<off_t>(physical)),
              static_cast<ssize_t>(old.size()));
    EXPECT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(physical)),
              static_cast<ssize_t>(bytes.size()));
    close(fd);
    return old;
  }

  void GuestCommand(const std::string& command) {
    guest_->SendLine(command);
    std::string done = guest_->WaitForLine("VIRDOMM-DONE " + command, seconds(60));
    ASSERT_EQ(done, "VIRDOMM-DONE " + command + " 0") << "guest command failed";
  }

  static inline fs::path work_;
  static inline testing::QemuGuest* guest_ = nullptr;
  static inline KernelModel* model_ = nullptr;
  static inline std::string guest_release_;
  static inline std::string hook_module_;  // empty when it did not build
  static inline fs::path key_;
  static inline fs::path vmlinux_;
  static inline fs::path baseline_;
};

TEST_F(LiveKernelTest, LocatesTheRunningKernelAndItsVersion) {
  FileMemory memory(guest_->RamFile(), LayoutSpec{});
  KernelPlacement placement = LocateKernel(memory, *model_);
  EXPECT_EQ(model_->release, guest_release_);
  EXPECT_EQ(placement.text_physical % kKernelAlign, 0u);
  ASSERT_TRUE(placement.virtual_offset.has_value());
  EXPECT_EQ(*placement.virtual_offset % static_cast<int64_t>(kKernelAlign), 0);
  EXPECT_GT(placement.text_pages_equal, placement.text_pages / 10);
  EXPECT_LT(placement.text_pages_equal, placement.text_pages);  // boot patched most pages

  // The bzImage itself, as found on the guest's /boot.
  CommandResult locate = Monitor("locate --file " + guest_->RamFile().string() + " --kernel " +
                                 VIRDOMM_MEMORY_KERNEL + " --json");
  EXPECT_EQ(locate.status, 0) << locate.output;
  EXPECT_NE(locate.output.find("\"release\":\"" + guest_release_ + "\""), std::string::npos)
      << locate.output;
  std::printf("locate: %s", locate.output.c_str());
}

TEST_F(LiveKernelTest, BaselineThenChecksAreClean) {
  CommandResult baseline = Monitor("baseline " + Signed());
  ASSERT_EQ(baseline.status, 0) << baseline.output;
  for (int i = 0; i < 3; ++i) {
    CommandResult check = Monitor("check " + Signed());
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("clean"), std::string::npos) << check.output;
  }
  CommandResult watch = Monitor("watch " + Signed() + " --json --count 3 --interval-ms 50");
  EXPECT_EQ(watch.status, 0) << watch.output;
  EXPECT_EQ(std::count(watch.output.begin(), watch.output.end(), '\n'), 3) << watch.output;
  EXPECT_NE(watch.output.find(R"("module_area":{"scanned":true,)"), std::string::npos)
      << watch.output;
  ExpectNoHiddenCode(CheckNow());
}

TEST_F(LiveKernelTest, ByteWrittenIntoTextIsCriticalAtItsSymbol) {
  uint64_t getpid = model_->symbols.RequireAddress("__x64_sys_getpid");
  ASSERT_EQ(model_->sites.Containing(getpid + 8), nullptr);
  std::vector<uint8_t> old = PokeLink(getpid + 8, {0xf4});  // hlt
  CheckReport report = CheckNow();
  std::vector<Change> critical = Critical(report);
  ASSERT_EQ(critical.size(), 1u) << Describe(report);
  const Change& change = critical[0];
  EXPECT_EQ(change.kind, ChangeKind::kUnknownText);
  EXPECT_EQ(change.GetSeverity(), Severity::kCritical);
  EXPECT_EQ(change.location, "__x64_sys_getpid+0x8");
  EXPECT_EQ(change.old_bytes, old);
  EXPECT_EQ(change.new_bytes, std::vector<uint8_t>{0xf4});
  CommandResult check = Monitor("check " + Signed());
  EXPECT_EQ(check.status, 4) << check.output;
  EXPECT_NE(check.output.find("__x64_sys_getpid+0x8"), std::string::npos) << check.output;
  CommandResult ack = Monitor("ack " + Signed());
  EXPECT_NE(ack.status, 0) << "an unknown change must not be acknowledged: " << ack.output;

  PokeLink(getpid + 8, old);
  EXPECT_TRUE(Critical(CheckNow()).empty());
}

// `domm-monitor run` with its memory monitor on the guest's RAM file: a baseline at first sight,
// clean checks, the byte written into text named by the next check, a final check at SIGTERM.
TEST_F(LiveKernelTest, DaemonMemoryMonitorReportsAByteWrittenIntoText) {
  fs::path dir = work_ / "daemon";
  fs::create_directories(dir);
  fs::path config = dir / "monitor.conf";
  std::ofstream(config) << "monitors = memory\npairing-settings = none\nstate-dir = "
                        << (dir / "state").string() << "\nmemory.kernel = " << vmlinux_.string()
                        << "\nmemory.file = " << guest_->RamFile().string()
                        << "\nmemory.interval-ms = 200\n";
  fs::path out = dir / "out";
  std::string binary = std::string(VIRDOMM_BINARY_DIR) + "/src/monitor-guest/domm-monitor";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || err < 0 || dup2(fd, 1) < 0 || dup2(err, 2) < 0) _exit(127);
    execl(binary.c_str(), "domm-monitor", "run", "--config", config.c_str(), "--json", nullptr);
    _exit(127);
  }
  auto lines = [&](const std::string& needle) {
    std::ifstream in(out);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
      n += line.rfind("memory {", 0) == 0 && line.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
  };
  auto wait_for = [&](const std::string& needle, std::size_t n) {
    for (int i = 0; i < 1200 && lines(needle) < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return lines(needle) >= n;
  };
  EXPECT_TRUE(wait_for(R"("severity":"none")", 2)) << "no two clean checks";
  uint64_t getpid = model_->symbols.RequireAddress("__x64_sys_getpid");
  std::vector<uint8_t> old = PokeLink(getpid + 8, {0xf4});
  EXPECT_TRUE(wait_for("__x64_sys_getpid+0x8", 1)) << "the written byte was not reported";
  PokeLink(getpid + 8, old);
  std::size_t checks = lines("\"time\"");
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_GT(lines("\"time\""), checks) << "no final check at SIGTERM";
  std::ifstream in(out);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("memory baseline of " + guest_release_, 0), 0U) << first;
}

TEST_F(LiveKernelTest, ChangedSyscallTableEntryIsNamed) {
  uint64_t slot = model_->sys_call_table + 39 * 8;  // getpid
  FileMemory memory(guest_->RamFile(), LayoutSpec{});
  KernelPlacement placement = LocateKernel(memory, *model_);
  uint64_t getppid = model_->symbols.RequireAddress("__x64_sys_getppid") +
                     static_cast<uint64_t>(*placement.virtual_offset);
  std::vector<uint8_t> value(8);
  std::memcpy(value.data(), &getppid, 8);
  std::vector<uint8_t> old = PokeLink(slot, value);
  CheckReport report = CheckNow();
  PokeLink(slot, old);
  std::vector<Change> critical = Critical(report);
  ASSERT_EQ(critical.size(), 1u) << Describe(report);
  EXPECT_EQ(critical[0].kind, ChangeKind::kSyscallTable);
  EXPECT_NE(
      critical[0].detail.find("sys_call_table[39] __x64_sys_getpid+0x0 -> __x64_sys_getppid+0x0"),
      std::string::npos)
      << critical[0].detail;
  EXPECT_TRUE(Critical(CheckNow()).empty());
}

TEST_F(LiveKernelTest, KprobeInsideTheGuestIsClassifiedAndAcknowledgeable) {
  GuestCommand("kprobe-on");
  CheckReport armed = CheckNow();
  const Change* kprobe = FindChange(armed, ChangeKind::kKprobe, "__x64_sys_getpid+0x5");
  ASSERT_NE(kprobe, nullptr) << Describe(armed);
  EXPECT_EQ(kprobe->new_bytes, std::vector<uint8_t>{0xcc});
  EXPECT_EQ(armed.Worst(), Severity::kWarning) << Describe(armed);
  // The probed instruction runs from a slot page kprobes made executable in the module area.
  ExpectNoHiddenCode(armed);
  EXPECT_GE(Owned(armed, OwnerKind::kKprobeSlots), 1u);
  CommandResult check = Monitor("check " + Signed());
  EXPECT_EQ(check.status, 3) << check.output;

  CommandResult ack = Monitor("ack " + Signed());
  EXPECT_EQ(ack.status, 0) << ack.output;
  CommandResult after_ack = Monitor("check " + Signed());
  EXPECT_EQ(after_ack.status, 0) << after_ack.output;

  GuestCommand("kprobe-off");
  CheckReport disarmed = CheckNow();
  const Change* removed = FindChange(disarmed, ChangeKind::kKprobe, "__x64_sys_getpid+0x5");
  ASSERT_NE(removed, nullptr) << Describe(disarmed);
  EXPECT_EQ(removed->old_bytes, std::vector<uint8_t>{0xcc});
  EXPECT_LE(disarmed.Worst(), Severity::kWarning) << Describe(disarmed);
  ASSERT_EQ(Monitor("ack " + Signed()).status, 0);
  EXPECT_TRUE(CheckNow().changes.empty());
}

TEST_F(LiveKernelTest, FunctionTracerIsClassifiedAsFtrace) {
  GuestCommand("ftrace-on");
  CheckReport on = CheckNow();
  // The traceable function is __do_sys_getppid (its __x64_ alias shares the address).
  std::string site = model_->symbols.Describe(model_->symbols.RequireAddress("__do_sys_getppid"));
  const Change* call = FindChange(on, ChangeKind::kFtrace, site);
  ASSERT_NE(call, nullptr) << Describe(on);
  EXPECT_EQ(call->new_bytes.at(0), 0xe8);  // call to the ftrace trampoline
  EXPECT_LE(on.Worst(), Severity::kWarning) << Describe(on);
  ExpectNoHiddenCode(on);
  EXPECT_GE(Owned(on, OwnerKind::kFtraceTrampoline), 1u);
  // One ops on the function: ftrace calls a trampoline it made in the module area, which the
  // checker reads through the guest's page tables and recognises as a copy of ftrace's caller.
  EXPECT_EQ(call->GetSeverity(), Severity::kWarning);
  EXPECT_TRUE(call->target.starts_with("ftrace trampoline at 0xffffffffc") ||
              call->target.starts_with("ftrace_caller+0x0") ||
              call->target.starts_with("ftrace_regs_caller+0x0"))
      << call->target;
  std::printf("function tracer: %s\n  target: %s\n", call->detail.c_str(), call->target.c_str());
  CommandResult json = Monitor("check " + Signed() + " --json");
  EXPECT_EQ(json.status, 3) << json.output;
  EXPECT_NE(json.output.find(R"("kind":"ftrace","severity":"warning")"), std::string::npos)
      << json.output;
  GuestCommand("ftrace-off");
  CheckReport off = CheckNow();
  EXPECT_EQ(FindChange(off, ChangeKind::kFtrace, site), nullptr) << Describe(off);
  EXPECT_LE(off.Worst(), Severity::kWarning) << Describe(off);
}

// A module writes a CALL to its own code over a function's __fentry__ NOP with text_poke_bp()
// (kallsyms_lookup_name found through a kprobe): bytes ftrace could have written, a target
// ftrace never uses. Critical, named as outside the image, and never acknowledged.
TEST_F(LiveKernelTest, FentryHookOfAModuleIsCriticalAndNeverAcknowledged) {
  ASSERT_FALSE(hook_module_.empty()) << "the test module did not build (build-hook-module.sh)";
  guest_->SendLine("hook-on");
  std::string hooked = guest_->WaitForLine("VIRDOMM-HOOK", seconds(60));
  ASSERT_EQ(guest_->WaitForLine("VIRDOMM-DONE hook-on", seconds(60)), "VIRDOMM-DONE hook-on 0");
  std::string handler = hooked.substr(hooked.rfind(" to ") + 4);
  std::string site = model_->symbols.Describe(model_->symbols.RequireAddress("__do_sys_getppid"));

  CheckReport report = CheckNow();
  const Change* hook = FindChange(report, ChangeKind::kRedirectedSite, site);
  ASSERT_NE(hook, nullptr) << Describe(report) << hooked;
  EXPECT_EQ(hook->GetSeverity(), Severity::kCritical);
  EXPECT_EQ(hook->new_bytes.at(0), 0xe8);
  EXPECT_EQ(HexNumber(hook->target_address, 16), "0x" + handler) << hooked;
  EXPECT_EQ(hook->target, "outside the kernel image: " + HexNumber(hook->target_address) +
                              " (in module virdomm_hook)");
  std::printf("hook: %s\n  target: %s\n", hook->detail.c_str(), hook->target.c_str());
  ExpectNoHiddenCode(report);
  EXPECT_GE(Owned(report, OwnerKind::kModule), 1u);

  CommandResult check = Monitor("check " + Signed() + " --json");
  EXPECT_EQ(check.status, 4) << check.output;
  EXPECT_NE(check.output.find(R"("kind":"redirected_site","severity":"critical")"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find(R"("target":"outside the kernel image: )"), std::string::npos)
      << check.output;
  CommandResult ack = Monitor("ack " + Signed() + " --at " + site);
  EXPECT_EQ(ack.status, 4) << ack.output;
  EXPECT_NE(ack.output.find("refused (critical) redirected_site at " + site), std::string::npos)
      << ack.output;
  std::printf("ack: %s", ack.output.c_str());
  EXPECT_NE(FindChange(CheckNow(), ChangeKind::kRedirectedSite, site), nullptr)
      << "the refused hook must still be reported";

  GuestCommand("hook-off");
  CheckReport after = CheckNow();
  EXPECT_EQ(FindChange(after, ChangeKind::kRedirectedSite, site), nullptr) << Describe(after);
  EXPECT_TRUE(Critical(after).empty()) << Describe(after);
}

// A module takes itself off the module list (list_del_init(&THIS_MODULE->list)) while its code
// stays mapped: lsmod no longer shows it, the module-area scan finds its text owned by nothing.
TEST_F(LiveKernelTest, ModuleOffTheModuleListIsHiddenCodeAtItsText) {
  ASSERT_FALSE(hook_module_.empty()) << "the test modules did not build (build-hook-module.sh)";
  guest_->SendLine("hidden-load");
  std::string loaded = guest_->WaitForLine("VIRDOMM-HIDDEN", seconds(60));
  ASSERT_EQ(guest_->WaitForLine("VIRDOMM-DONE hidden-load", seconds(60)),
            "VIRDOMM-DONE hidden-load 0");
  // "virdomm_hidden: text ffffffffc0388000-ffffffffc0389000"
  std::string range = loaded.substr(loaded.rfind(' ') + 1);
  std::string text =
      "0x" + range.substr(0, range.find('-')) + "-0x" + range.substr(range.find('-') + 1);

  CheckReport listed = CheckNow();
  ExpectNoHiddenCode(listed);
  EXPECT_GE(Owned(listed, OwnerKind::kModule), 1u);

  GuestCommand("hidden-on");  // and /proc/modules no longer names it
  CheckReport hidden = CheckNow();
  std::vector<Change> critical = Critical(hidden);
  ASSERT_EQ(critical.size(), 1u) << Describe(hidden) << loaded;
  const Change& code = critical[0];
  EXPECT_EQ(code.kind, ChangeKind::kHiddenCode);
  EXPECT_EQ(code.region, "module_area");
  EXPECT_EQ(code.location, text) << loaded;
  EXPECT_EQ(code.new_bytes.size(), kHiddenCodeBytes);
  EXPECT_EQ(hidden.module_area.hidden_pages,
            (std::stoull(range.substr(range.find('-') + 1), nullptr, 16) -
             std::stoull(range.substr(0, range.find('-')), nullptr, 16)) /
                kPageSize);
  std::printf("hidden: %s %s\n  %s\n", ToString(code.kind).c_str(), code.location.c_str(),
              code.detail.c_str());
  CommandResult check = Monitor("check " + Signed() + " --json");
  EXPECT_EQ(check.status, 4) << check.output;
  EXPECT_NE(
      check.output.find(R"("kind":"hidden_code","severity":"critical","region":"module_area")"),
      std::string::npos)
      << check.output;
  CommandResult text_report = Monitor("check " + Signed());
  EXPECT_EQ(text_report.status, 4) << text_report.output;
  EXPECT_NE(text_report.output.find("hidden_code module_area " + text), std::string::npos)
      << text_report.output;
  std::printf("check:\n%s", text_report.output.c_str());
  CommandResult ack = Monitor("ack " + Signed() + " --at " + text);
  EXPECT_EQ(ack.status, 4) << ack.output;
  EXPECT_NE(ack.output.find("refused (critical) hidden_code at " + text), std::string::npos)
      << ack.output;

  // The scan's cost, with the module area as this guest has it, as a watch pays it: one
  // checker, check after check.
  {
    FileMemory memory(guest_->RamFile(), LayoutSpec{});
    KernelBaseline baseline = LoadBaseline(baseline_, LoadKeyFile(key_));
    MemoryChecker checker(memory, *model_, baseline);
    std::vector<double> scan_ms;
    std::vector<double> check_ms;
    for (int i = 0; i < 21; ++i) {
      CheckReport report = checker.Check();
      EXPECT_EQ(report.module_area.hidden_pages, hidden.module_area.hidden_pages);
      scan_ms.push_back(report.module_area.elapsed_ms);
      check_ms.push_back(report.elapsed_ms);
    }
    std::sort(scan_ms.begin(), scan_ms.end());
    std::sort(check_ms.begin(), check_ms.end());
    std::printf(
        "module-area scan: median %.3f ms (min %.3f, max %.3f) of 21 checks; whole "
        "check median %.2f ms\n",
        scan_ms[10], scan_ms.front(), scan_ms.back(), check_ms[10]);
  }

  GuestCommand("hidden-off");
  CheckReport relisted = CheckNow();
  ExpectNoHiddenCode(relisted);
  EXPECT_TRUE(Critical(relisted).empty()) << Describe(relisted);
  GuestCommand("hidden-unload");
  ExpectNoHiddenCode(CheckNow());
}

// A BPF fentry program (the smallest, attached by bpf-fentry/virdomm_fentry.c): the kernel JITs
// it into a BPF program pack, builds a BPF trampoline with a bpf_ksym of its own, and has ftrace
// write a direct call to that trampoline at the function's __fentry__ site.
TEST_F(LiveKernelTest, BpfFentryProgramCallsANamedBpfTrampoline) {
  GuestCommand("fentry-on");
  std::string site = model_->symbols.Describe(model_->symbols.RequireAddress("__do_sys_getppid"));
  CheckReport on = CheckNow();
  const Change* call = FindChange(on, ChangeKind::kFtrace, site);
  ASSERT_NE(call, nullptr) << Describe(on);
  EXPECT_EQ(call->new_bytes.at(0), 0xe8);
  EXPECT_TRUE(call->target.starts_with("BPF trampoline bpf_trampoline_")) << call->target;
  EXPECT_EQ(call->GetSeverity(), Severity::kWarning);
  EXPECT_LE(on.Worst(), Severity::kWarning) << Describe(on);
  // The trampoline's page and the program's pack are BPF's; nothing is owned by nobody.
  ExpectNoHiddenCode(on);
  EXPECT_GE(Owned(on, OwnerKind::kBpf), 2u);
  std::printf("BPF fentry: %s\n  target: %s\n", call->detail.c_str(), call->target.c_str());

  GuestCommand("fentry-off");
  CheckReport off = CheckNow();
  EXPECT_EQ(FindChange(off, ChangeKind::kFtrace, site), nullptr) << Describe(off);
  EXPECT_LE(off.Worst(), Severity::kWarning) << Describe(off);
  ExpectNoHiddenCode(off);
}

// Locations of jump-label changes in a watch's JSON lines: reported ones, and held-back ones
// (the "settling" list).
struct JumpLabelLocations {
  std::set<std::string> reported;
  std::set<std::string> settling;
};

JumpLabelLocations JumpLabelsIn(const std::string& watch_output) {
  const std::string reported =
      R"("kind":"jump_label","severity":"warning","region":"text","location":")";
  const std::string settling = R"("settling":[)";
  JumpLabelLocations found;
  std::istringstream lines(watch_output);
  for (std::string line; std::getline(lines, line);) {
    for (size_t at = line.find(reported); at != std::string::npos;
         at = line.find(reported, at + 1)) {
      size_t start = at + reported.size();
      found.reported.insert(line.substr(start, line.find('"', start) - start));
    }
    size_t list = line.find(settling);
    if (list == std::string::npos) {
      continue;
    }
    std::string items =
        line.substr(list + settling.size(), line.find(']', list) - list - settling.size());
    for (size_t quote = items.find('"'); quote != std::string::npos;
         quote = items.find('"', items.find('"', quote + 1) + 1)) {
      found.settling.insert(items.substr(quote + 1, items.find('"', quote + 1) - quote - 1));
    }
  }
  return found;
}

// A watch reports a jump-label flip only once it has lasted --settle-ms: the kernel puts some
// static keys back within seconds (the freezer's, around every move of a guest).
TEST_F(LiveKernelTest, WatchReportsAStaticKeyFlipOnlyOnceItHasLasted) {
  auto watch = [](const std::string& settle_ms, int checks) {
    return std::async(std::launch::async, [=] {
      return Monitor("watch " + Signed() + " --json --interval-ms 250 --count " +
                     std::to_string(checks) + " --settle-ms " + settle_ms);
    });
  };
  // Left on: held back at first, then reported.
  GuestCommand("tracepoint-on");
  CommandResult lasting = watch("1500", 16).get();
  JumpLabelLocations on = JumpLabelsIn(lasting.output);
  ASSERT_FALSE(on.reported.empty()) << lasting.output;
  EXPECT_EQ(lasting.status, 3) << lasting.output;
  for (const std::string& location : on.reported) {
    EXPECT_TRUE(on.settling.contains(location)) << location << " was reported at once";
  }
  GuestCommand("tracepoint-off");
  CheckReport off = CheckNow();
  for (const std::string& location : on.reported) {
    ASSERT_EQ(FindChange(off, ChangeKind::kJumpLabel, location), nullptr)
        << location << " did not go back";
  }

  // On and off again within the period: seen, held back, never reported.
  auto brief_watch = watch("8000", 40);
  std::this_thread::sleep_for(seconds(1));
  GuestCommand("tracepoint-on");
  std::this_thread::sleep_for(seconds(1));
  GuestCommand("tracepoint-off");
  CommandResult brief = brief_watch.get();
  JumpLabelLocations flipped = JumpLabelsIn(brief.output);
  size_t seen = 0;
  for (const std::string& location : on.reported) {
    seen += flipped.settling.count(location);
    EXPECT_FALSE(flipped.reported.contains(location)) << location << "\n" << brief.output;
  }
  EXPECT_GT(seen, 0U) << "the watch never saw the brief flip:\n" << brief.output;
}

TEST_F(LiveKernelTest, GarbageMemoryGivesAClearError) {
  fs::path garbage = work_ / "garbage.ram";
  {
    std::mt19937_64 random(7);
    std::ofstream out(garbage, std::ios::binary);
    std::vector<uint64_t> block(1 << 17);
    for (int i = 0; i < 64; ++i) {  // 64 MiB
      for (auto& word : block) {
        word = random();
      }
      out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(block.size() * 8));
    }
  }
  FileMemory memory(garbage, LayoutSpec{});
  try {
    (void)LocateKernel(memory, *model_);
    FAIL() << "a kernel was found in random bytes";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("no Linux kernel found"), std::string::npos)
        << error.what();
  }
  CommandResult locate =
      Monitor("locate --file " + garbage.string() + " --kernel " + vmlinux_.string());
  EXPECT_EQ(locate.status, 1) << locate.output;
  EXPECT_NE(locate.output.find("no Linux kernel found"), std::string::npos) << locate.output;

  // A truncated copy of the live RAM (first 16 MiB: below any KASLR placement of _text).
  fs::path truncated = work_ / "truncated.ram";
  fs::copy_file(guest_->RamFile(), truncated);
  fs::resize_file(truncated, uint64_t{16} << 20);
  CommandResult cut =
      Monitor("check --file " + truncated.string() + " --kernel " + vmlinux_.string() +
              " --baseline " + baseline_.string() + " --key " + key_.string());
  EXPECT_EQ(cut.status, 1) << cut.output;

  // A System.map of another kernel (shifted addresses) and a baseline under another key.
  fs::path map = work_ / "System.map";
  {
    std::ofstream out(map);
    for (const KernelSymbol& symbol : model_->symbols.ByAddress()) {
      char line[64];
      std::snprintf(line, sizeof(line), "%016llx %c ",
                    static_cast<unsigned long long>(symbol.address + 0x1000), symbol.type);
      out << line << symbol.name << "\n";
    }
  }
  CommandResult wrong_map = Monitor("locate " + Source() + " --system-map " + map.string());
  EXPECT_EQ(wrong_map.status, 1) << wrong_map.output;
  EXPECT_NE(wrong_map.output.find("does not match"), std::string::npos) << wrong_map.output;
  fs::path other_key = work_ / "other-key";
  std::ofstream(other_key) << "another key, 32 bytes long......";
  fs::permissions(other_key, fs::perms::owner_read | fs::perms::owner_write);
  CommandResult bad_key = Monitor("check " + Source() + " --baseline " + baseline_.string() +
                                  " --key " + other_key.string());
  EXPECT_EQ(bad_key.status, 5) << bad_key.output;  // baseline refused
  EXPECT_NE(bad_key.output.find("signature does not verify"), std::string::npos) << bad_key.output;
}

}  // namespace
}  // namespace virdomm::monitor
