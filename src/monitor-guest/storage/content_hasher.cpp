// Worker pool over read units sorted by physical offset; each worker owns its buffer and
// digest contexts.
#include "storage/content_hasher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <thread>

#include "common/unique_handle.h"
#include "storage/btrfs_decompress.h"
#include "storage/multi_digest.h"

namespace virdomm::monitor {
namespace {

constexpr std::uint64_t kBatchBytes = 4ULL << 20;     // one pread covers up to this much
constexpr std::uint64_t kMaxGapBytes = 256ULL << 10;  // read across gaps up to this size
constexpr size_t kChunkBytes = 4U << 20;              // large files: one pread per chunk
// One buffer per worker, allocated once and never zero-filled: page faults are expensive here.
constexpr size_t kBufferBytes = 4U << 20;

// A run of jobs whose contents lie in one span of the image, read with one pread; or a single
// large job read extent by extent.
struct ReadUnit {
  std::uint64_t span_start = 0;
  std::uint64_t span_end = 0;
  std::vector<size_t> jobs;
  bool batched = false;
};

std::uint64_t JobEnd(const ContentJob& job) {
  std::uint64_t end = 0;
  for (const Segment& s : job.segments) end = std::max(end, s.physical + s.length);
  return end;
}
std::uint64_t JobStart(const ContentJob& job) {
  std::uint64_t start = UINT64_MAX;
  for (const Segment& s : job.segments) start = std::min(start, s.physical);
  return start;
}

std::vector<ReadUnit> PlanImageReads(const ScanResult& scan) {
  std::vector<size_t> order(scan.jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scan.jobs[a].order_key < scan.jobs[b].order_key; });
  std::vector<ReadUnit> units;
  ReadUnit current;
  auto flush = [&] {
    if (!current.jobs.empty()) units.push_back(std::move(current));
    current = ReadUnit{};
  };
  for (size_t index : order) {
    const ContentJob& job = scan.jobs[index];
    if (!job.compressed.empty()) {  // decoded piece by piece: never part of a batched read
      flush();
      units.push_back(ReadUnit{0, 0, {index}, false});
      continue;
    }
    if (job.segments.empty()) {  // inline, empty or all holes: no read needed
      units.push_back(ReadUnit{0, 0, {index}, true});
      continue;
    }
    std::uint64_t start = JobStart(job);
    std::uint64_t end = JobEnd(job);
    if (end - start > kBatchBytes) {
      flush();
      units.push_back(ReadUnit{start, end, {index}, false});
      continue;
    }
    if (!current.jobs.empty() &&
        (start < current.span_start || start > current.span_end + kMaxGapBytes ||
         std::max(end, current.span_end) - current.span_start > kBatchBytes)) {
      flush();
    }
    if (current.jobs.empty()) {
      current.span_start = start;
      current.span_end = end;
      current.batched = true;
    }
    current.span_end = std::max(current.span_end, end);
    current.jobs.push_back(index);
  }
  flush();
  return units;
}

class Worker {
 public:
  Worker(const DigestSuite& suite, const ImageFile* image, ScanResult& scan, Progress& progress)
      : digest_(suite),
        image_(image),
        scan_(scan),
        progress_(progress),
        buffer_(new char[kBufferBytes]) {}

  void RunImageUnit(const ReadUnit& unit) {
    if (unit.batched && unit.span_end > unit.span_start) {
      size_t length = static_cast<size_t>(unit.span_end - unit.span_start);
      size_t got = 0;
      std::string failure;
      try {
        got = image_->ReadAt(unit.span_start, buffer_.get(), length);
      } catch (const Error& error) {
        failure = error.what();
      }
      for (size_t index : unit.jobs) {
        ContentJob& job = scan_.jobs[index];
        if (!failure.empty() || JobEnd(job) > unit.span_start + got) {
          Fail(job, failure.empty() ? "contents lie beyond the end of the image" : failure);
          continue;
        }
        HashJob(job, [&](const Segment& s, std::uint64_t offset, size_t /*size*/) {
          return buffer_.get() + (s.physical - unit.span_start) + offset;
        });
      }
      return;
    }
    for (size_t index : unit.jobs) {
      ContentJob& job = scan_.jobs[index];
      try {
        if (!job.compressed.empty()) {
          HashMixedJob(job);
          continue;
        }
        HashJob(job, [&](const Segment& s, std::uint64_t offset, size_t size) -> const char* {
          if (image_->ReadAt(s.physical + offset, buffer_.get(), size) != size) {
            throw Error("contents lie beyond the end of the image");
          }
          return buffer_.get();
        });
      } catch (const Error& error) {
        Fail(job, error.what());
      }
    }
  }

  void RunTreeJob(ContentJob& job) {
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::open(job.tree_path.c_str(), flags | O_NOATIME));
    if (!fd.Valid() && errno == EPERM) fd = UniqueFd(::open(job.tree_path.c_str(), flags));
    if (!fd.Valid()) {
      Fail(job, ErrnoMessage("open for hashing", errno));
      return;
    }
    digest_.Begin(job.digests);
    std::uint64_t total = 0;
    while (true) {
      ssize_t got = ::read(fd.Get(), buffer_.get(), kBufferBytes);
      if (got < 0) {
        if (errno == EINTR) continue;
        Fail(job, ErrnoMessage("read for hashing", errno));
        return;
      }
      if (got == 0) break;
      digest_.Update(buffer_.get(), static_cast<size_t>(got));
      total += static_cast<std::uint64_t>(got);
    }
    Store(job);
    progress_.AddDone(job.records.size(), total);
  }

 private:
  // Feeds the job's bytes in logical order; `bytes_at(segment, offset, size)` yields a pointer
  // to `size` bytes of the segment starting `offset` bytes into it.
  template <typename BytesAt>
  void HashJob(ContentJob& job, BytesAt bytes_at) {
    digest_.Begin(job.digests);
    if (job.is_inline) {
      digest_.Update(job.inline_data.data(), job.inline_data.size());
      if (job.size > job.inline_data.size()) digest_.UpdateZeros(job.size - job.inline_data.size());
    } else {
      std::uint64_t position = 0;
      for (const Segment& segment : job.segments) {
        if (segment.logical > position) digest_.UpdateZeros(segment.logical - position);
        for (std::uint64_t offset = 0; offset < segment.length;) {
          size_t size =
              static_cast<size_t>(std::min<std::uint64_t>(kChunkBytes, segment.length - offset));
          digest_.Update(bytes_at(segment, offset, size), size);
          offset += size;
        }
        position = segment.logical + segment.length;
      }
      if (job.size > position) digest_.UpdateZeros(job.size - position);
    }
    Store(job);
    progress_.AddDone(job.records.size(), job.size);
  }

  // A job with compressed pieces (btrfs): plain segments and compressed pieces merged in
  // logical order, each compressed piece read whole and decoded into a worker-owned buffer.
  void HashMixedJob(ContentJob& job) {
    digest_.Begin(job.digests);
    std::uint64_t position = 0;
    size_t plain = 0;
    size_t packed = 0;
    auto skip_to = [&](std::uint64_t logical) {
      if (logical < position)
        throw Error("file extents overlap at byte " + std::to_string(logical));
      digest_.UpdateZeros(logical - position);
    };
    while (plain < job.segments.size() || packed < job.compressed.size()) {
      if (packed == job.compressed.size() ||
          (plain < job.segments.size() &&
           job.segments[plain].logical < job.compressed[packed].logical)) {
        const Segment& segment = job.segments[plain++];
        skip_to(segment.logical);
        for (std::uint64_t offset = 0; offset < segment.length;) {
          size_t size =
              static_cast<size_t>(std::min<std::uint64_t>(kChunkBytes, segment.length - offset));
          if (image_->ReadAt(segment.physical + offset, buffer_.get(), size) != size) {
            throw Error("contents lie beyond the end of the image");
          }
          digest_.Update(buffer_.get(), size);
          offset += size;
        }
        position = segment.logical + segment.length;
        continue;
      }
      const CompressedSegment& piece = job.compressed[packed++];
      skip_to(piece.logical);
      encoded_.resize(piece.encoded_length);
      decoded_.resize(piece.decoded_length);
      if (image_->ReadAt(piece.physical, encoded_.data(), encoded_.size()) != encoded_.size()) {
        throw Error("compressed contents lie beyond the end of the image");
      }
      size_t produced = btrfs::Decompress(piece.compression, encoded_, decoded_, piece.sector_size);
      std::uint64_t end = std::uint64_t{piece.skip} + piece.length;
      if (end > decoded_.size()) throw Error("compressed extent range exceeds its decoded size");
      if (produced > piece.skip) {
        size_t have = std::min<size_t>(produced, end) - piece.skip;
        digest_.Update(reinterpret_cast<const char*>(decoded_.data()) + piece.skip, have);
        digest_.UpdateZeros(piece.length - have);
      } else {
        digest_.UpdateZeros(piece.length);
      }
      position = piece.logical + piece.length;
    }
    if (job.size > position) digest_.UpdateZeros(job.size - position);
    Store(job);
    progress_.AddDone(job.records.size(), job.size);
  }

  void Store(const ContentJob& job) {
    std::array<std::string, kDigestAlgorithmCount> digests;
    digest_.Finish(digests);
    for (size_t record : job.records) {
      for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
        auto attribute = DigestAttribute(static_cast<DigestAlgorithm>(i));
        if ((scan_.records[record].attributes & Bit(attribute)) != 0) {
          scan_.records[record].digests[i] = digests[i];
        }
      }
    }
  }

  void Fail(const ContentJob& job, const std::string& why) {
    for (size_t record : job.records) scan_.records[record].error = why;
    progress_.AddDone(job.records.size(), job.size);
  }

  MultiDigest digest_;
  const ImageFile* image_;
  ScanResult& scan_;
  Progress& progress_;
  std::unique_ptr<char[]> buffer_;
  std::vector<std::uint8_t> encoded_;  // one compressed extent as stored, at most 128 KiB
  std::vector<std::uint8_t> decoded_;  // the same, decoded
};

}  // namespace

void HashContents(const ImageFile* image, ScanResult& scan, unsigned workers, Progress& progress) {
  DigestSuite suite;
  std::uint64_t total_bytes = 0;
  for (const ContentJob& job : scan.jobs) total_bytes += job.size;
  progress.SetPhase("hashing", scan.jobs.size(), total_bytes);
  std::vector<ReadUnit> units;
  std::vector<size_t> tree_order;
  if (image != nullptr) {
    units = PlanImageReads(scan);
  } else {
    tree_order.resize(scan.jobs.size());
    for (size_t i = 0; i < tree_order.size(); ++i) tree_order[i] = i;
    std::sort(tree_order.begin(), tree_order.end(),
              [&](size_t a, size_t b) { return scan.jobs[a].order_key < scan.jobs[b].order_key; });
  }
  size_t count = image != nullptr ? units.size() : tree_order.size();
  workers = std::max(1U, std::min<unsigned>(workers, 256));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mutex;
  auto run = [&] {
    try {
      Worker worker(suite, image, scan, progress);
      for (size_t i = next++; i < count && !failed; i = next++) {
        if (image != nullptr) {
          worker.RunImageUnit(units[i]);
        } else {
          worker.RunTreeJob(scan.jobs[tree_order[i]]);
        }
      }
    } catch (const std::exception& error) {
      std::lock_guard lock(failure_mutex);
      failed = true;
      failure = error.what();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back(run);
  run();
  for (auto& thread : threads) thread.join();
  if (failed) throw Error("hashing failed: " + failure);
}

}  // namespace virdomm::monitor
