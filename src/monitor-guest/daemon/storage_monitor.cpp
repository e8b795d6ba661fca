#include "daemon/storage_monitor.h"

#include <thread>

#include "storage/report_format.h"
#include "storage/storage_findings.h"

namespace virdomm::monitor {
namespace {

SourceSpec ImageSource(const std::filesystem::path& image) {
  SourceSpec source;
  source.image = image.string();
  return source;
}

ScanOptions DaemonScanOptions() {
  ScanOptions options;
  options.workers = std::max(1U, std::thread::hardware_concurrency());
  return options;
}

}  // namespace

StorageMonitor::StorageMonitor(const StorageConfig& config, const std::filesystem::path& state_dir,
                               const std::filesystem::path& alert_spool, PairingSettings& settings,
                               const Console& console)
    : config_(config),
      state_dir_(state_dir),
      key_path_(state_dir_ / "storage.key"),
      alert_spool_(alert_spool),
      settings_(settings),
      console_(console) {}

StorageMonitor::~StorageMonitor() {
  if (scan_ && scan_->result.valid()) {
    scan_->result.wait();  // the scan reads rules_: it ends before they go
  }
}

std::chrono::milliseconds StorageMonitor::Interval() const {
  return scan_ ? kPollWhileScanning : std::chrono::milliseconds(config_.interval_ms);
}

std::filesystem::path StorageMonitor::BaselineFor(const std::filesystem::path& state_dir,
                                                  const std::filesystem::path& image) {
  std::string name = "storage";
  for (char c : image.string()) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_';
    if (plain) {
      name += c;
    } else if (name.back() != '-') {
      name += '-';
    }
  }
  return state_dir / (name + ".db");
}

void StorageMonitor::Start() {
  if (scan_ && scan_->result.valid()) {
    scan_->result.wait();  // of a run that failed: its result is not wanted
  }
  scan_.reset();
  std::filesystem::create_directories(state_dir_);
  EnsureKeyFile(key_path_.string());
  rules_.emplace(LoadStorageRules(config_.rules ? config_.rules->string() : ""));
  alerts_.reset();
  spool_ = std::make_unique<AlertSpool>(alert_spool_);
  alerts_ = std::make_unique<MonitorAlerts>(*spool_, "storage");
  health_ = {HealthState::kStarting, "no check yet"};
}

std::filesystem::path StorageMonitor::Image() {
  (void)settings_.Refresh();
  const PublishedSetting<std::string>& source = settings_.StorageSource();
  std::filesystem::path image =
      source.value && !source.value->empty() ? std::filesystem::path(*source.value) : config_.image;
  std::string refusal;
  if (!source.error.empty()) {
    refusal = source.error + "; checking " + (image.empty() ? "nothing" : image.string());
  }
  std::string unread;
  if (!settings_.ConnectionError().empty()) {
    unread = settings_.ConnectionError() + "; the values in force stay";
  }
  refusals_.Update({refusal, unread}, console_, Name());
  return image;
}

void StorageMonitor::BeginScan() {
  std::filesystem::path image = Image();
  if (image.empty()) {
    health_ = {HealthState::kStarting,
               "no disk image to check: the host published no <storage source> and "
               "storage.image is not set"};
    return;
  }
  Scan scan;
  scan.db = BaselineFor(state_dir_, image);
  if (std::filesystem::exists(scan.db)) {
    // Verified before the scan, as `storage check` does.
    scan.baseline = ReadBaselineFile(scan.db.string(), LoadKeyFile(key_path_));
  }
  // The thread reads only what stays put until it ends: the rules (replaced only by Start,
  // which waits for it) and its own copies.
  const StorageRules* rules = &*rules_;
  scan.result = std::async(std::launch::async, [rules, source = ImageSource(image)] {
    return ScanForBaseline(source, *rules, DaemonScanOptions());
  });
  scan_.emplace(std::move(scan));
}

void StorageMonitor::Finish(Scan& scan) {
  StorageScan result = scan.result.get();  // a scan that failed throws here
  if (scan.baseline) {
    ReportCheck(*scan.baseline, result);
  } else {
    WriteBaseline(result, scan.db);  // the first look at this image is its baseline
  }
}

void StorageMonitor::WriteBaseline(const StorageScan& scan, const std::filesystem::path& db) {
  for (const std::string& warning : scan.warnings) {
    console_.Error(Name(), "warning: " + warning);
  }
  WriteBaselineFile(db.string(), scan.baseline, LoadKeyFile(key_path_));
  std::string line = "baseline of " + std::to_string(scan.baseline.records.size()) +
                     " files written to " + db.string();
  if (std::size_t errors = UnreadableFiles(scan.baseline); errors > 0) {
    line += " (" + std::to_string(errors) + " files could not be read completely)";
  }
  console_.Print(Name(), line);
  health_ = {HealthState::kOk, line};
}

void StorageMonitor::ReportCheck(const Baseline& baseline, const StorageScan& scan) {
  Report report = CompareWithBaseline(baseline, scan);
  console_.Print(Name(),
                 console_.Json() ? OneLine(FormatReportJson(report)) : FormatReportText(report));
  alerts_->Observe(refusals_.With(FindingsOf(report)), report.source);
  std::string summary = std::to_string(report.differences.size()) + " difference(s) in " +
                        std::to_string(report.files_checked) + " files of " + report.source;
  health_ = refusals_.HealthAfterCheck(summary);
}

void StorageMonitor::Check() {
  if (!scan_) {
    BeginScan();
    return;
  }
  if (scan_->result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return;  // still reading the image
  }
  Scan done = std::move(*scan_);
  scan_.reset();
  Finish(done);
}

void StorageMonitor::Stop() {
  // The final check: the scan under way, or one made now.
  if (!scan_) {
    BeginScan();
  }
  if (scan_) {
    Scan done = std::move(*scan_);
    scan_.reset();
    Finish(done);
  }
}

}  // namespace virdomm::monitor
