#include "alerts/alerts_commands.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "alerts/alert_collector.h"
#include "alerts/alert_log.h"
#include "alerts/journal_sink.h"
#include "alerts/xenstore_dom0_keys.h"
#include "common/error.h"
#include "common/utc_time.h"

namespace virdomm {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 3;
// How much of the log's end a restarted collector reads to learn where each spool stands.
constexpr std::size_t kResumeTailBytes = std::size_t{4} << 20;

std::string HostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) {
    return "unknown";
  }
  return name.data();
}

bool Concerns(const DeliveredAlert& alert, const std::string& domain) {
  return alert.target.name == domain || alert.target.uuid == domain ||
         alert.monitor.name == domain || alert.monitor.uuid == domain;
}

}  // namespace

int RunAlerts(const AlertsOptions& options, std::ostream& out, std::ostream& err) {
  std::size_t skipped = 0;
  ReadAlertLog(options.log, options.follow, [&](const std::string& line) {
    DeliveredAlert alert;
    try {
      alert = ParseAlertLine(line);
    } catch (const Error&) {
      ++skipped;
      return true;
    }
    if (options.domain && !Concerns(alert, *options.domain)) {
      return true;
    }
    out << (options.json ? line : FormatAlertText(alert)) << "\n" << std::flush;
    return true;
  });
  if (skipped > 0) {
    err << "virdomm alerts: " << skipped << " line(s) of " << options.log
        << " are not alerts; skipped\n";
  }
  return kOk;
}

int RunCollectAlerts(const CollectOptions& options, std::ostream& out, std::ostream& err) {
  AlertLogWriter log(options.log);
  std::optional<std::string> journal_error;
  AlertCollector collector(
      HostName(), log.LastSeqs(kResumeTailBytes),
      [&](const std::vector<DeliveredAlert>& batch) {
        log.Append(batch);
        for (const DeliveredAlert& alert : batch) {
          std::optional<std::string> error = SendToJournal(alert);
          if (error && error != journal_error) {
            err << "virdomm collect-alerts: " << *error << "; alerts go to " << options.log
                << " only\n";
          }
          journal_error = error;
        }
      },
      UtcNow);
  out << "virdomm collect-alerts: collecting Domain M alerts into " << options.log << "\n"
      << std::flush;
  std::unique_ptr<XenstoreDom0Keys> keys;
  std::set<std::string> said;
  while (true) {
    try {
      if (!keys) {
        keys = std::make_unique<XenstoreDom0Keys>();
      }
      CollectRound round = collector.RunOnce(*keys);
      for (const DeliveredAlert& alert : round.delivered) {
        out << "delivered " << alert.Id() << " " << FormatAlertText(alert) << "\n";
      }
      for (const std::string& problem : round.problems) {
        err << "virdomm collect-alerts: " << problem << "\n";
      }
      out << std::flush;
      said.clear();
    } catch (const std::exception& error) {
      // xenstored restarting, a full disk: said once, retried with a fresh connection.
      if (said.insert(error.what()).second) {
        err << "virdomm collect-alerts: " << error.what()
            << (options.once ? "\n" : " (retrying)\n");
      }
      keys.reset();
      if (options.once) {
        return kFailed;
      }
    }
    if (options.once) {
      return kOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
  }
}

}  // namespace virdomm
