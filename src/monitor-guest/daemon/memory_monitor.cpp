#include "daemon/memory_monitor.h"

#include <algorithm>

#include "common/hex.h"
#include "common/protocol/binding_state.h"
#include "core/signing_key.h"
#include "memory/file_memory.h"
#include "memory/kernel_locator.h"
#include "memory/memory_findings.h"
#include "memory/report_format.h"
#include "memory/xen_foreign_memory.h"

namespace virdomm::monitor {
namespace {

// The checker's region names for the pairing's ("kernel-text" -> "text").
bool Selected(const std::vector<std::string>& regions, const std::string& region) {
  if (region != "text" && region != "rodata") {
    return true;  // the module area and the like belong to no pairing region
  }
  return std::find(regions.begin(), regions.end(), "kernel-" + region) != regions.end();
}

}  // namespace

MemoryMonitor::MemoryMonitor(const MemoryConfig& config, const std::filesystem::path& state_dir,
                             const std::filesystem::path& alert_spool, PairingSettings& settings,
                             const Console& console)
    : config_(config),
      baseline_path_(state_dir / "memory.baseline"),
      key_path_(state_dir / "memory.key"),
      alert_spool_(alert_spool),
      settings_(settings),
      console_(console),
      interval_ms_(config.interval_ms),
      regions_(config.regions) {}

MemoryMonitor::~MemoryMonitor() { Release(); }

std::chrono::milliseconds MemoryMonitor::Interval() const {
  return std::chrono::milliseconds(interval_ms_);
}

void MemoryMonitor::Release() {
  // The checker and baseline hold views of the memory: they go first.
  checker_.reset();
  baseline_.reset();
  bound_target_ = nullptr;
  memory_.reset();
  restarter_.reset();
  binding_.reset();
}

void MemoryMonitor::ReadSettings() {
  (void)settings_.Refresh();
  const auto& interval = settings_.MemoryInterval();
  const auto& regions = settings_.MemoryRegions();
  interval_ms_ = interval.value.value_or(config_.interval_ms);
  regions_ = regions.value.value_or(config_.regions);
  std::vector<std::string> refused;
  if (!interval.error.empty()) {
    refused.push_back(interval.error + "; checking every " + std::to_string(interval_ms_) + " ms");
  }
  if (!regions.error.empty()) {
    std::string kept;
    for (const std::string& region : regions_) {
      kept += (kept.empty() ? "" : " ") + region;
    }
    refused.push_back(regions.error + "; checking " + kept);
  }
  if (!settings_.ConnectionError().empty()) {
    refused.push_back(settings_.ConnectionError() + "; the values in force stay");
  }
  refusals_.Update(refused, console_, Name());
}

void MemoryMonitor::Start() {
  Release();
  std::filesystem::create_directories(baseline_path_.parent_path());
  EnsureKeyFile(key_path_.string());
  KernelSources sources;
  sources.kernel = config_.kernel;
  sources.system_map = config_.system_map;
  sources.symbols_elf = config_.symbols_elf;
  model_.emplace(LoadKernelModel(sources));
  alerts_.reset();
  spool_ = std::make_unique<AlertSpool>(alert_spool_);
  alerts_ = std::make_unique<MonitorAlerts>(*spool_, "memory");
  const bool follow = !config_.file && !config_.domid;
  binding_ =
      std::make_unique<BindingFollower>(follow, config_.restart_on_new_target, console_.Json(),
                                        [this](const std::string& line) { Print(line); });
  if (follow && config_.restart_on_new_target) {
    BindingFollower* binding = binding_.get();
    restarter_ = std::make_unique<RestartOnNewTarget>(
        [binding](const BindingView& now) { binding->AnnounceNewTarget(now); });
  }
  settling_ = std::make_unique<JumpLabelSettling>(std::chrono::milliseconds(config_.settle_ms));
  waiting_for_.clear();
  health_ = {HealthState::kStarting, "no check yet"};
}

bool MemoryMonitor::Open() {
  if (config_.file) {
    memory_ = std::make_unique<FileMemory>(*config_.file, ParseLayoutSpec(config_.layout));
  } else if (config_.domid) {
    memory_ = std::make_unique<XenForeignMemory>(*config_.domid, std::nullopt);
  } else {
    BindingView view = ReadBinding();
    if (!view.Is(protocol::BindingState::kBound)) {
      if (view.description != waiting_for_) {
        Print("waiting for the host to bind this domain to its DomU (" +
              protocol::OwnBindingKey(protocol::kStateKey) + ": " + view.description + ")");
        waiting_for_ = view.description;
      }
      health_ = {HealthState::kStarting, "waiting for the binding (" + view.description + ")"};
      return false;
    }
    auto xen = std::make_unique<XenForeignMemory>(*view.target_domid, std::nullopt);
    bound_target_ = xen.get();
    memory_ = std::move(xen);
  }
  MakeChecker();
  settling_since_ = binding_->Instance();
  return true;
}

void MemoryMonitor::MakeChecker() {
  std::vector<uint8_t> key = LoadKeyFile(key_path_);
  // A baseline this domain took earlier of the same running kernel is kept (a restart of the
  // daemon must not trust DomU's kernel anew); any other is replaced by one taken now.
  if (std::filesystem::exists(baseline_path_)) {
    try {
      baseline_ = std::make_unique<KernelBaseline>(LoadBaseline(baseline_path_, key));
      checker_ = std::make_unique<MemoryChecker>(*memory_, *model_, *baseline_);
      Print("baseline of " + baseline_->release + " from " + baseline_->created + " kept (" +
            baseline_path_.string() + ")");
      return;
    } catch (const std::exception& error) {
      checker_.reset();
      baseline_.reset();
      console_.Error(Name(), "not using " + baseline_path_.string() + ": " + error.what());
    }
  }
  KernelPlacement placement = LocateKernel(*memory_, *model_);
  baseline_ = std::make_unique<KernelBaseline>(TakeBaseline(*memory_, *model_, placement));
  SaveBaseline(baseline_path_, *baseline_, key);
  checker_ = std::make_unique<MemoryChecker>(*memory_, *model_, *baseline_);
  // The words of `memory baseline`, after the monitor's name.
  Print("baseline of " + model_->release + " (" + std::to_string(baseline_->Bytes()) +
        " bytes of text and rodata, sha256 " + HexEncode(baseline_->ContentDigest()) +
        ") written to " + baseline_path_.string());
}

void MemoryMonitor::Report(CheckReport& report) {
  report.changes.erase(
      std::remove_if(report.changes.begin(), report.changes.end(),
                     [this](const Change& change) { return !Selected(regions_, change.region); }),
      report.changes.end());
  if (console_.Json()) {
    Print(FormatCheckJson(report));
  } else if (!report.changes.empty() || health_.state == HealthState::kStarting) {
    Print(FormatCheckText(report));
  }
  LogChangesToSyslog(report);
  alerts_->Observe(refusals_.With(FindingsOf(report)), report.memory);
  std::string summary = std::to_string(report.changes.size()) + " change(s) in " + report.memory;
  health_ = refusals_.HealthAfterCheck(summary);
}

void MemoryMonitor::Check() {
  ReadSettings();
  if (!checker_ && !Open()) {
    return;
  }
  if (binding_->Paused(bound_target_, false)) {
    health_ = {HealthState::kStarting, "checks paused: binding " + binding_->Description()};
    return;
  }
  CheckReport report = checker_->Check();
  if (binding_->Paused(bound_target_, true)) {
    return;  // the DomU left while this check read it: what it saw is not a running DomU
  }
  if (binding_->Instance() != settling_since_) {
    settling_->Restart();  // a new binding: DomU was resumed, and its freezer is thawing
    settling_since_ = binding_->Instance();
  }
  settling_->Apply(report, JumpLabelSettling::Clock::now());
  Report(report);
}

void MemoryMonitor::Stop() {
  if (checker_) {
    Check();
  }
  Release();
  health_ = {HealthState::kStopped, ""};
}

}  // namespace virdomm::monitor
