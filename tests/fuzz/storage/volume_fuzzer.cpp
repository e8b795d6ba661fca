// libFuzzer target: arbitrary bytes as the start of a 32 MiB image (zeros after), so that small
// seeds can hold XFS filesystems and LVM2 physical volumes whose superblocks claim more than the
// seed's bytes. The whole path runs: partition table, LVM2 label and metadata, XFS walk, hashing.
// Any crash, hang, leak or exception other than the reader's own errors is a bug.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/unique_handle.h"
#include "storage/rules.h"
#include "storage/storage_scan.h"

using virdomm::monitor::RuleSet;
using virdomm::monitor::ScanOptions;
using virdomm::monitor::ScanSource;
using virdomm::monitor::SourceSpec;

namespace {
constexpr off_t kImageBytes = 32 << 20;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const RuleSet kRules = RuleSet::Parse("/ R+sha512\n", "fuzz");
  virdomm::UniqueFd fd(memfd_create("fuzz-volume", MFD_CLOEXEC));
  if (!fd.Valid()) return 0;
  if (size > 0 && write(fd.Get(), data, size) != static_cast<ssize_t>(size)) return 0;
  if (static_cast<off_t>(size) < kImageBytes && ftruncate(fd.Get(), kImageBytes) != 0) return 0;
  SourceSpec spec;
  spec.image = "/proc/self/fd/" + std::to_string(fd.Get());
  ScanOptions options;
  options.workers = 1;
  options.limits.max_depth = 64;
  options.limits.max_files = 20000;
  options.limits.max_dir_entries = 20000;
  options.limits.max_file_size = 4 << 20;
  options.limits.max_xattr_bytes = 64 << 10;
  try {
    ScanSource(spec, kRules, options);
  } catch (const virdomm::Error&) {
    // A refused image is a correct outcome.
  }
  return 0;
}
