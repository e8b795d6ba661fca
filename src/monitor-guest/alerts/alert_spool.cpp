#include "alerts/alert_spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "common/durable_file.h"
#include "common/error.h"
#include "common/hex.h"
#include "common/protocol/key_values.h"
#include "common/utc_time.h"
#include "core/digest.h"

namespace virdomm::monitor {
namespace {

constexpr const char* kQueue = "queue";
constexpr const char* kNextSeq = "next-seq";
constexpr const char* kAcked = "acked";
constexpr const char* kSpoolId = "spool-id";

std::string ReadSmallFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A counter file's or queue file name's number, trailing newline and spaces allowed.
std::optional<std::uint64_t> ParseSeq(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return protocol::ParseDecimal(text);
}

std::string NewSpoolId() {
  std::array<unsigned char, 16> bytes{};
  RandomBytes(bytes, "a new alert spool id");
  return HexEncode(bytes);
}

}  // namespace

AlertSpool::Lock::Lock(const std::filesystem::path& directory)
    : fd_(::open((directory / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_.Valid()) {
    ThrowErrno("alert spool: open " + (directory / "lock").string());
  }
  while (::flock(fd_.Get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      ThrowErrno("alert spool: lock " + (directory / "lock").string());
    }
  }
}

AlertSpool::AlertSpool(std::filesystem::path directory, std::size_t capacity)
    : directory_(std::move(directory)), capacity_(std::max<std::size_t>(capacity, 2)) {
  std::error_code error;
  std::filesystem::create_directories(directory_ / kQueue, error);
  if (error) {
    throw Error("alert spool: create " + (directory_ / kQueue).string() + ": " + error.message());
  }
  Lock lock(directory_);
  id_ = ReadSmallFile(directory_ / kSpoolId);
  while (!id_.empty() && id_.back() == '\n') {
    id_.pop_back();
  }
  if (id_.size() != 32 || !IsLowerHex(id_)) {
    if (!id_.empty()) {
      throw Error("alert spool: " + (directory_ / kSpoolId).string() +
                  " is not a spool id; move the directory aside to start a new spool");
    }
    id_ = NewSpoolId();
    WriteFileDurably(directory_ / kSpoolId, id_ + "\n", 0600);
  }
}

std::filesystem::path AlertSpool::QueueFile(std::uint64_t seq) const {
  std::array<char, 32> name{};
  (void)std::snprintf(name.data(), name.size(), "%020llu.json",
                      static_cast<unsigned long long>(seq));
  return directory_ / kQueue / name.data();
}

std::uint64_t AlertSpool::ReadCounter(const char* name) const {
  std::string text = ReadSmallFile(directory_ / name);
  if (text.empty()) {
    return 0;
  }
  std::optional<std::uint64_t> value = ParseSeq(text);
  if (!value) {
    throw Error("alert spool: " + (directory_ / name).string() + " is not a number: '" + text +
                "'");
  }
  return *value;
}

void AlertSpool::WriteCounter(const char* name, std::uint64_t value) const {
  WriteFileDurably(directory_ / name, std::to_string(value) + "\n", 0600);
}

std::vector<std::uint64_t> AlertSpool::QueuedSeqs() const {
  std::vector<std::uint64_t> seqs;
  for (const auto& entry : std::filesystem::directory_iterator(directory_ / kQueue)) {
    std::string name = entry.path().filename().string();
    if (name.size() == 25 && name.ends_with(".json")) {
      if (std::optional<std::uint64_t> seq = ParseSeq(name.substr(0, 20))) {
        seqs.push_back(*seq);
      }
    }
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

std::uint64_t AlertSpool::Append(const Alert& alert) {
  Lock lock(directory_);
  return Append(alert, lock);
}

std::uint64_t AlertSpool::Append(const Alert& alert, const Lock& /*held*/) {
  // Counters are bumped durably before the alert is written, so a crash never reuses a seq.
  std::uint64_t seq = std::max<std::uint64_t>(ReadCounter(kNextSeq), 1);
  std::vector<std::uint64_t> queued = QueuedSeqs();
  if (!queued.empty() && queued.back() >= seq) {
    seq = queued.back() + 1;  // a next-seq behind the queue (restored from an old copy)
  }
  std::vector<std::string> encoded;
  if (queued.size() + 1 > capacity_) {
    // Room for the notice and the new alert.
    std::size_t drop = queued.size() + 2 - capacity_;
    std::uint64_t first = queued.front();
    std::uint64_t last = queued[drop - 1];
    for (std::size_t i = 0; i < drop; ++i) {
      std::filesystem::remove(QueueFile(queued[i]));
    }
    Alert notice{UtcNow(),
                 "spool",
                 "warning",
                 std::to_string(drop) + " alert(s) dropped from the full spool (capacity " +
                     std::to_string(capacity_) + "), oldest first: seq " + std::to_string(first) +
                     " to " + std::to_string(last),
                 {}};
    encoded.push_back(EncodeAlert(notice, {id_, seq}));
  }
  encoded.push_back(EncodeAlert(alert, {id_, seq + encoded.size()}));
  WriteCounter(kNextSeq, seq + encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    WriteFileDurably(QueueFile(seq + i), encoded[i] + "\n", 0600);
  }
  return seq + encoded.size() - 1;
}

std::vector<SpooledAlert> AlertSpool::Pending(std::size_t limit) const {
  std::uint64_t acked = Acknowledged();
  std::vector<SpooledAlert> pending;
  for (std::uint64_t seq : QueuedSeqs()) {
    if (pending.size() >= limit) {
      break;
    }
    if (seq <= acked) {
      continue;  // acknowledged, its file not yet removed
    }
    std::string json = ReadSmallFile(QueueFile(seq));
    while (!json.empty() && json.back() == '\n') {
      json.pop_back();
    }
    if (!json.empty()) {
      pending.push_back({seq, std::move(json)});
    }
  }
  return pending;
}

bool AlertSpool::AcknowledgeThrough(std::uint64_t seq) {
  Lock lock(directory_);
  std::uint64_t last = std::max<std::uint64_t>(ReadCounter(kNextSeq), 1) - 1;
  if (seq > last || seq <= ReadCounter(kAcked)) {
    return false;
  }
  WriteCounter(kAcked, seq);
  for (std::uint64_t queued : QueuedSeqs()) {
    if (queued <= seq) {
      std::filesystem::remove(QueueFile(queued));
    }
  }
  SyncDirectory(directory_ / kQueue);
  return true;
}

std::uint64_t AlertSpool::Acknowledged() const { return ReadCounter(kAcked); }

std::uint64_t AlertSpool::LastSeq() const {
  return std::max<std::uint64_t>(ReadCounter(kNextSeq), 1) - 1;
}

}  // namespace virdomm::monitor
