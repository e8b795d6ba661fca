#include "network/network_watch.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "alerts/alert_spool.h"
#include "alerts/monitor_alerts.h"
#include "common/error.h"
#include "common/utc_time.h"
#include "network/capture_drops.h"
#include "network/child_process.h"
#include "network/eve_follower.h"
#include "network/eve_record.h"
#include "network/network_alert.h"
#include "network/signal_fd.h"
#include "network/watch_report.h"

namespace virdomm::monitor {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxOutputLineBytes = 4096;
constexpr std::chrono::milliseconds kPollInterval{250};
constexpr std::chrono::milliseconds kStopGrace{10000};
// Suricata's own line once its capture threads run (suricata 7's "Engine started.").
constexpr std::string_view kEngineStarted = "Engine started";

// "1.0", "16.0", "0.17": a duration in seconds for a log line.
std::string Seconds(Clock::duration duration, int decimals) {
  std::array<char, 32> text{};
  (void)std::snprintf(text.data(), text.size(), "%.*f", decimals,
                      std::chrono::duration<double>(duration).count());
  return text.data();
}

std::vector<std::string> SuricataArgv(const WatchOptions& options) {
  return {options.suricata.string(), "-c",
          options.config.string(),   "-S",
          options.rules.string(),    "-l",
          options.log_dir.string(),  "--af-packet=" + options.interface};
}

}  // namespace

NetworkWatch::NetworkWatch(const WatchOptions& options)
    : options_(options),
      subject_("DomU's mirrored traffic on " + options.interface),
      spool_(options.alert_spool),
      health_(spool_, "network"),
      eve_(options.log_dir / "eve.json", kMaxEveLineBytes),
      backoff_(options.restarts) {}

NetworkWatch::~NetworkWatch() = default;

void NetworkWatch::Report(const std::string& event, const std::string& message,
                          const ReportFields& fields) const {
  std::string line = FormatWatchEvent(options_.json, UtcNow(), event, message, fields);
  if (options_.print_event) {
    options_.print_event(line);
  } else {
    std::cout << line << std::flush;
  }
}

void NetworkWatch::PrintOutput(const std::string& line) const {
  if (options_.print_output) {
    options_.print_output(line);
  } else {
    std::cerr << line << "\n";
  }
}

void NetworkWatch::Start() {
  child_ = std::make_unique<ChildProcess>(SuricataArgv(options_));
  started_at_ = Clock::now();
  start_at_.reset();
  drops_.Restart();  // a new Suricata counts from zero
  ++starts_;
  Report(starts_ == 1 ? "suricata-start" : "suricata-restart",
         "started " + options_.suricata.string() + " (pid " + std::to_string(child_->Pid()) +
             ") on " + options_.interface,
         {{"pid", std::to_string(child_->Pid())}, {"interface", options_.interface}});
}

void NetworkWatch::ForwardOutputLine(const std::string& line) {
  PrintOutput("suricata[" + std::to_string(child_->Pid()) + "]: " + line);
  if (line.find(kEngineStarted) != std::string::npos) {
    Report("suricata-running",
           "Suricata (pid " + std::to_string(child_->Pid()) + ") captures on " +
               options_.interface + ", " + Seconds(Clock::now() - started_at_, 2) +
               " s after its start",
           {{"pid", std::to_string(child_->Pid())}});
    health_.Observe({}, subject_);
  }
}

void NetworkWatch::ReadChildOutput() {
  std::array<char, 4096> buffer{};
  while (true) {
    ssize_t got = ::read(child_->OutputFd(), buffer.data(), buffer.size());
    if (got <= 0) {
      return;  // EAGAIN, or EOF once it ended
    }
    for (ssize_t i = 0; i < got; ++i) {
      char c = buffer[static_cast<std::size_t>(i)];
      if (c == '\n') {
        ForwardOutputLine(output_partial_);
        output_partial_.clear();
      } else if (output_partial_.size() < kMaxOutputLineBytes) {
        output_partial_ += c;
      }
    }
  }
}

bool NetworkWatch::AfterExit(const ChildExit& exit) {
  ReadChildOutput();
  if (!output_partial_.empty()) {
    ForwardOutputLine(output_partial_);
    output_partial_.clear();
  }
  auto now = Clock::now();
  double ran = std::chrono::duration<double>(now - started_at_).count();
  std::string what = "Suricata (pid " + std::to_string(child_->Pid()) + ") " + exit.Describe() +
                     " after " + std::to_string(static_cast<long>(ran)) + " s";
  child_.reset();
  std::optional<std::chrono::milliseconds> delay = backoff_.AfterDeath(started_at_, now);
  ReportFields fields = {{"status", exit.Describe()}};
  if (!delay) {
    std::string message = what + "; it was restarted " +
                          std::to_string(backoff_.Limits().max_restarts) + " times within " +
                          std::to_string(backoff_.Limits().window.count() / 1000) + " s: giving up";
    Report("gave-up", message, fields);
    PrintOutput("domm-monitor network watch: " + message);
    health_.ObserveFailure(message, subject_);
    return false;
  }
  std::string message = what + "; restarting in " + Seconds(*delay, 1) + " s";
  fields.emplace_back("restart_in_ms", std::to_string(delay->count()));
  Report("suricata-exited", message, fields);
  health_.ObserveFailure(message, subject_);
  start_at_ = now + *delay;
  return true;
}

void NetworkWatch::HandleRecord(const EveRecord& record) {
  if (const auto* eve = std::get_if<EveAlert>(&record)) {
    Alert alert = NetworkAlertOf(*eve, subject_, UtcNow());
    std::uint64_t seq = spool_.Append(alert);
    ReportFields fields = {{"severity", alert.severity},
                           {"sid", std::to_string(eve->signature_id)},
                           {"signature", eve->signature},
                           {"flow", FlowOf(*eve)},
                           {"spool_seq", std::to_string(seq)}};
    if (!eve->http_url.empty()) {
      fields.emplace_back("http_url", eve->http_url);
    }
    if (!eve->dns_rrname.empty()) {
      fields.emplace_back("dns_rrname", eve->dns_rrname);
    }
    Report("alert", alert.summary, fields);
    return;
  }
  if (const auto* stats = std::get_if<EveStats>(&record)) {
    std::uint64_t added = drops_.Add(stats->kernel_drops);
    if (added == 0) {
      health_.Observe({}, subject_);
      return;
    }
    std::string line = "Suricata dropped " + std::to_string(added) +
                       " packet(s) of the mirror since its last count (capture.kernel_drops " +
                       std::to_string(stats->kernel_drops) + " of " +
                       std::to_string(stats->kernel_packets) + " packets)";
    Report("drops", line,
           {{"kernel_drops", std::to_string(stats->kernel_drops)},
            {"kernel_packets", std::to_string(stats->kernel_packets)},
            {"new_drops", std::to_string(added)}});
    // One alert while drops go on (the finding's key does not change), "clean" when they stop.
    health_.Observe({{"capture-drops", line, "warning"}}, subject_);
  }
}

void NetworkWatch::FollowEve() {
  for (const FollowedLine& line : eve_.Poll()) {
    if (line.over_long) {
      Report("eve-warning", "skipped a line of " + std::to_string(line.bytes) + " bytes in " +
                                eve_.Path().string() + " (more than " +
                                std::to_string(kMaxEveLineBytes) + ")");
      continue;
    }
    std::optional<EveRecord> record;
    try {
      record = ParseEveLine(line.text);
    } catch (const Error& error) {
      Report("eve-warning",
             "skipped a line of " + eve_.Path().string() +
                 " that is not a usable eve record: " + error.what(),
             {{"line_start", line.text.substr(0, 80)}});
      continue;
    }
    // Outside the try: a spool that cannot be written is an error of the watch, not of the line.
    HandleRecord(*record);
  }
  if (std::string notice = eve_.TakeNotice(); !notice.empty()) {
    Report("eve-notice", notice);
  }
}

void NetworkWatch::RotateEveIfLarge() {
  struct stat info {};
  if (!child_ || ::stat(eve_.Path().c_str(), &info) != 0 ||
      static_cast<std::uint64_t>(info.st_size) < options_.eve_max_bytes) {
    return;
  }
  std::filesystem::path old = eve_.Path();
  old += ".1";
  std::filesystem::rename(eve_.Path(), old);
  child_->Signal(SIGHUP);  // Suricata reopens its log files; the follower reads both
}

void NetworkWatch::Begin() {
  std::filesystem::create_directories(options_.log_dir);
  // What an earlier watch left was read by it: this one reads only what its Suricata writes.
  if (std::filesystem::exists(eve_.Path())) {
    std::filesystem::path old = eve_.Path();
    old += ".1";
    std::filesystem::rename(eve_.Path(), old);
  }
}

bool NetworkWatch::StartIfDue() {
  if (!child_ && start_at_ && Clock::now() >= *start_at_) {
    try {
      Start();
    } catch (const Error& error) {
      if (starts_ == 0) {
        throw;  // never started: a wrong path or a missing package, not a crash to retry
      }
      Report("suricata-exited", std::string("restart failed: ") + error.what());
      if (!AfterExit(ChildExit{false, 127})) {
        return false;
      }
    }
  }
  return true;
}

bool NetworkWatch::Observe() {
  if (child_) {
    ReadChildOutput();
    if (std::optional<ChildExit> exit = child_->Poll(); exit && !AfterExit(*exit)) {
      FollowEve();
      return false;
    }
  }
  FollowEve();
  RotateEveIfLarge();
  return true;
}

void NetworkWatch::Finish() {
  if (child_) {
    ChildExit exit = child_->Stop(kStopGrace);
    ReadChildOutput();
    Report("stopped", "stopped Suricata (pid " + std::to_string(child_->Pid()) + "), which " +
                          exit.Describe());
    child_.reset();
  } else {
    Report("stopped", "stopped (Suricata was not running)");
  }
  FollowEve();  // what it wrote while it stopped
}

int NetworkWatch::OutputFd() const { return child_ ? child_->OutputFd() : -1; }

bool NetworkWatch::Running() const { return child_ != nullptr; }

int RunNetworkWatch(const WatchOptions& options) {
  SignalFd signals({SIGTERM, SIGINT, SIGCHLD});
  NetworkWatch watch(options);
  watch.Begin();
  while (true) {
    if (!watch.StartIfDue()) {
      return 1;
    }
    std::array<pollfd, 2> fds{pollfd{signals.Fd(), POLLIN, 0}, pollfd{watch.OutputFd(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), static_cast<int>(kPollInterval.count())) < 0 &&
        errno != EINTR) {
      ThrowErrno("poll");
    }
    bool stopping = false;
    for (int signal : signals.Take()) {
      if (signal == SIGTERM || signal == SIGINT) {
        stopping = true;
      }
    }
    if (stopping) {
      break;
    }
    if (!watch.Observe()) {
      return 1;
    }
  }
  watch.Finish();
  return 0;
}

}  // namespace virdomm::monitor
