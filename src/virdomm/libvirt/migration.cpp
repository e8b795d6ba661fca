#include "libvirt/migration.h"

#include <libvirt/virterror.h>
#include <pthread.h>

#include <atomic>
#include <ctime>
#include <thread>
#include <vector>

namespace virdomm {

HeldSignals::HeldSignals() {
  sigemptyset(&held_);
  sigaddset(&held_, SIGINT);
  sigaddset(&held_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &held_, &old_mask_);
}

HeldSignals::~HeldSignals() {
  while (Wait(std::chrono::milliseconds(0))) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool HeldSignals::Wait(std::chrono::milliseconds timeout) const {
  timespec span{static_cast<std::time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1'000'000L};
  return sigtimedwait(&held_, nullptr, &span) > 0;
}

namespace {

constexpr std::chrono::milliseconds kPoll{500};
constexpr std::chrono::seconds kProgressEvery{5};

// The typed parameters of virDomainMigrateToURI3, owned.
class MigrateParams {
 public:
  MigrateParams() = default;
  MigrateParams(const MigrateParams&) = delete;
  MigrateParams& operator=(const MigrateParams&) = delete;
  ~MigrateParams() { virTypedParamsFree(params_, count_); }
  void AddString(const char* name, const std::string& value) {
    if (virTypedParamsAddString(&params_, &count_, &max_, name, value.c_str()) < 0) {
      ThrowLibvirt(std::string("cannot set migration parameter ") + name);
    }
  }
  [[nodiscard]] virTypedParameterPtr Data() const { return params_; }
  [[nodiscard]] int Count() const { return count_; }

 private:
  virTypedParameterPtr params_ = nullptr;
  int count_ = 0;
  int max_ = 0;
};

// libvirt's errors are per thread: the move's thread keeps its own.
struct MoveResult {
  bool ok = false;
  std::string error;
  int code = VIR_ERR_OK;
};

}  // namespace

MoveOutcome MoveDomain(const Domain& domain, const MoveRequest& request, HeldSignals& signals,
                       OnInterrupt on_interrupt,
                       const std::function<void(const MoveProgress&)>& progress) {
  MigrateParams params;
  if (request.migrate_uri) {
    params.AddString(VIR_MIGRATE_PARAM_URI, *request.migrate_uri);
  }
  unsigned int flags = VIR_MIGRATE_PEER2PEER;
  if (request.live) {
    flags |= VIR_MIGRATE_LIVE;
  }
  if (request.persistent) {
    flags |= VIR_MIGRATE_PERSIST_DEST;
  }
  if (request.undefine_source) {
    flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
  }

  MoveOutcome outcome;
  outcome.started = std::chrono::steady_clock::now();
  MoveResult result;
  std::atomic<bool> done{false};
  std::thread mover([&] {
    int rc = virDomainMigrateToURI3(domain.Raw(), request.dest_uri.c_str(), params.Data(),
                                    params.Count(), flags);
    outcome.ended = std::chrono::steady_clock::now();
    if (rc < 0) {
      const char* message = virGetLastErrorMessage();
      result.error = message != nullptr ? message : "unknown libvirt error";
      result.code = virGetLastErrorCode();
    } else {
      result.ok = true;
    }
    done = true;
  });
  auto last_report = outcome.started;
  bool abort_asked = false;
  while (!done) {
    if (signals.Wait(kPoll)) {
      signals.Note();
      outcome.interrupted = true;
      if (on_interrupt == OnInterrupt::kAbortMove && !abort_asked) {
        abort_asked = true;
        if (virDomainAbortJob(domain.Raw()) < 0) {
          const char* message = virGetLastErrorMessage();
          outcome.abort_error = message != nullptr ? message : "unknown libvirt error";
        }
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (!done && now - last_report >= kProgressEvery) {
      last_report = now;
      MoveProgress p;
      p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - outcome.started);
      virDomainJobInfo info{};
      if (virDomainGetJobInfo(domain.Raw(), &info) == 0 && info.type != VIR_DOMAIN_JOB_NONE) {
        p.data_total = info.dataTotal;
        p.data_processed = info.dataProcessed;
      }
      progress(p);
    }
  }
  mover.join();
  if (!result.ok) {
    throw LibvirtError(
        "moving '" + domain.Name() + "' to " + request.dest_uri + ": " + result.error, result.code);
  }
  return outcome;
}

}  // namespace virdomm
