// Benchmark: a full text+rodata check of a live kernel from its RAM file, next to the
// machine's bound over the same bytes in the same run (memcmp against the baseline copy, and
// OpenSSL SHA-256), printed as ratios.
// Usage: memory_check_bench RAMFILE VMLINUZ [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/hex.h"
#include "core/digest.h"
#include "memory/baseline.h"
#include "memory/file_memory.h"
#include "memory/kernel_locator.h"
#include "memory/kernel_model.h"
#include "memory/memory_checker.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Work>
double BestMs(int rounds, Work work) {
  double best = 1e300;
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    work();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace virdomm::monitor;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RAMFILE VMLINUZ [ROUNDS]\n", argv[0]);
    return 2;
  }
  int rounds = argc > 3 ? std::stoi(argv[3]) : 50;
  KernelModel model = LoadKernelModel(KernelSources{argv[2], {}, {}});
  FileMemory memory(argv[1], LayoutSpec{});
  KernelPlacement placement = LocateKernel(memory, model);
  KernelBaseline baseline = TakeBaseline(memory, model, placement);
  MemoryChecker checker(memory, model, baseline);

  // The same live bytes, seen through the same mapping, for the bound.
  std::vector<std::pair<const uint8_t*, const BaselineRegion*>> live;
  for (const BaselineRegion& region : baseline.regions) {
    std::vector<uint64_t> gfns;
    for (uint64_t page = region.start & ~(kPageSize - 1); page < region.End(); page += kPageSize) {
      gfns.push_back((placement.text_physical + (page - model.text_link)) >> kPageShift);
    }
    FrameView view = memory.MapFrames(gfns);
    // The RAM file maps guest-physical memory contiguously, so one pointer covers the region.
    live.emplace_back(view.Frame(0) + (region.start & (kPageSize - 1)), &region);
  }
  uint64_t bytes = baseline.Bytes();

  std::size_t changes = 0;
  double check_ms = BestMs(rounds, [&] { changes += checker.Check().changes.size(); });
  int differing = 0;
  double memcmp_ms = BestMs(rounds, [&] {
    for (const auto& [pointer, region] : live) {
      differing += std::memcmp(pointer, region->bytes.data(), region->bytes.size()) != 0;
    }
  });
  Digest digest{};
  double sha_ms = BestMs(std::max(3, rounds / 5), [&] {
    Sha256 hasher;
    for (const auto& [pointer, region] : live) {
      hasher.Update(std::span(pointer, region->bytes.size()));
    }
    digest = hasher.Finish();
  });

  std::printf("kernel %s, pa(_text) 0x%llx, %llu bytes of text+rodata, best of %d rounds\n",
              model.release.c_str(), static_cast<unsigned long long>(placement.text_physical),
              static_cast<unsigned long long>(bytes), rounds);
  std::printf("full check (domm-monitor)   %8.3f ms  %8.0f MB/s  (%zu changes seen)\n", check_ms,
              static_cast<double>(bytes) / check_ms / 1e3, changes);
  std::printf("memcmp bound (same bytes)   %8.3f ms  %8.0f MB/s  (%d regions differ)\n", memcmp_ms,
              static_cast<double>(bytes) / memcmp_ms / 1e3, differing);
  std::printf("SHA-256 (OpenSSL, same)     %8.3f ms  %8.0f MB/s  (%s...)\n", sha_ms,
              static_cast<double>(bytes) / sha_ms / 1e3,
              virdomm::HexEncode(digest).substr(0, 16).c_str());
  std::printf("ratio check/memcmp  %.2f\n", check_ms / memcmp_ms);
  std::printf("ratio check/sha256  %.2f\n", check_ms / sha_ms);
  return 0;
}
