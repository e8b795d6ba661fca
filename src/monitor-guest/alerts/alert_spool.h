// Domain M's durable alert spool: a directory on M's own disk where every alert waits, in
// order, until dom0's collector has acknowledged it. Survives M's restarts and moves, and is
// shared by the monitors of M (separate processes) under one lock.
//
//   DIR/spool-id   random id of this spool, made once (names alerts uniquely with the seq)
//   DIR/next-seq   the next sequence number; never reused, even once everything is delivered
//   DIR/acked      the highest seq dom0 acknowledged
//   DIR/queue/<seq, 20 digits>.json   one alert (alert.h's JSON), oldest first by name
//   DIR/gate-<monitor>, DIR/health-<monitor>   see change_gate.h and monitor_health.h
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "common/unique_handle.h"

namespace virdomm::monitor {

struct SpooledAlert {
  std::uint64_t seq = 0;
  std::string json;  // as EncodeAlert made it
};

class AlertSpool {
 public:
  static constexpr std::size_t kDefaultCapacity = 1000;

  // Creates the directory and its id when new. Throws Error when it cannot.
  explicit AlertSpool(std::filesystem::path directory, std::size_t capacity = kDefaultCapacity);

  // Stores the alert durably and returns its seq. A full spool drops its oldest alerts first
  // and stores, before the new alert, a "spool" alert that says how many and which were lost.
  std::uint64_t Append(const Alert& alert);

  class Lock;
  // The same, for a caller that already holds the spool's lock (flock: a second lock from the
  // same process would wait for itself).
  std::uint64_t Append(const Alert& alert, const Lock& held);

  // Alerts not yet acknowledged, oldest first, at most `limit`.
  [[nodiscard]] std::vector<SpooledAlert> Pending(std::size_t limit) const;

  // dom0 has delivered everything up to `seq`: those alerts leave the spool. An
  // acknowledgement beyond the last alert stored is refused (returns false), as is a stale one.
  bool AcknowledgeThrough(std::uint64_t seq);

  [[nodiscard]] std::uint64_t Acknowledged() const;
  [[nodiscard]] std::uint64_t LastSeq() const;  // 0 before the first alert
  [[nodiscard]] const std::string& Id() const { return id_; }
  [[nodiscard]] const std::filesystem::path& Directory() const { return directory_; }

  // The spool's lock, held while a caller reads and writes files of the spool together.
  class Lock {
   public:
    explicit Lock(const std::filesystem::path& directory);

   private:
    UniqueFd fd_;
  };

 private:
  [[nodiscard]] std::vector<std::uint64_t> QueuedSeqs() const;
  [[nodiscard]] std::uint64_t ReadCounter(const char* name) const;
  void WriteCounter(const char* name, std::uint64_t value) const;
  [[nodiscard]] std::filesystem::path QueueFile(std::uint64_t seq) const;

  std::filesystem::path directory_;
  std::size_t capacity_;
  std::string id_;
};

}  // namespace virdomm::monitor
