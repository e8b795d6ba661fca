// Runs inside a PV Domain M: maps one page of its target read-only through /dev/xen/privcmd
// right next to a page of its own in the same 2 MiB (so both live in one L1 table), and reports
// both every interval on stdout, so a save/restore that loses that L1 table shows up.
// Usage: domubit-probe TARGET_DOMID GFN_HEX [INTERVAL_MS]   (static: Domain M has no libraries)
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <xen/xen.h>  // before privcmd.h, which uses its types

#include <xen/sys/privcmd.h>

namespace {

constexpr std::size_t kPageSize = 4096;
constexpr std::size_t kL1Span = 2 * 1024 * 1024;  // what one L1 table maps
constexpr unsigned char kOwnPattern = 0xa5;

std::uint64_t PageHash(const volatile unsigned char* page) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (std::size_t i = 0; i < kPageSize; ++i) {
    hash = (hash ^ page[i]) * 1099511628211ULL;
  }
  return hash;
}

bool OwnPageIntact(const volatile unsigned char* page) {
  for (std::size_t i = 0; i < kPageSize; ++i) {
    if (page[i] != static_cast<unsigned char>(kOwnPattern ^ (i & 0xff))) return false;
  }
  return true;
}

void OnSigbus(int, siginfo_t* info, void*) {
  char line[96];
  int n = std::snprintf(line, sizeof line, "domubit-probe: SIGBUS at %p\n", info->si_addr);
  if (n > 0) (void)!write(STDOUT_FILENO, line, static_cast<std::size_t>(n));
  _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s TARGET_DOMID GFN_HEX [INTERVAL_MS]\n", argv[0]);
    return 2;
  }
  const auto target = static_cast<domid_t>(std::strtoul(argv[1], nullptr, 10));
  xen_pfn_t gfn = std::strtoull(argv[2], nullptr, 16);
  const unsigned interval_ms = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 1000;
  setvbuf(stdout, nullptr, _IOLBF, 0);

  struct sigaction sa = {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, nullptr);

  // Reserve 4 MiB, use the 2 MiB-aligned start: own page at +0, target's page at +4 KiB.
  void* reserve = mmap(nullptr, 2 * kL1Span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserve == MAP_FAILED) {
    std::printf("domubit-probe: mmap reserve failed: %s\n", std::strerror(errno));
    return 1;
  }
  auto base = (reinterpret_cast<std::uintptr_t>(reserve) + kL1Span - 1) & ~(kL1Span - 1);
  auto* own = static_cast<unsigned char*>(mmap(reinterpret_cast<void*>(base), kPageSize,
                                               PROT_READ | PROT_WRITE,
                                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
  if (own == MAP_FAILED) {
    std::printf("domubit-probe: mmap own page failed: %s\n", std::strerror(errno));
    return 1;
  }
  for (std::size_t i = 0; i < kPageSize; ++i) own[i] = kOwnPattern ^ (i & 0xff);

  int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    std::printf("domubit-probe: open /dev/xen/privcmd failed: %s\n", std::strerror(errno));
    return 1;
  }
  void* foreign = mmap(reinterpret_cast<void*>(base + kPageSize), kPageSize, PROT_READ,
                       MAP_SHARED | MAP_FIXED, fd, 0);
  if (foreign == MAP_FAILED) {
    std::printf("domubit-probe: mmap privcmd failed: %s\n", std::strerror(errno));
    return 1;
  }
  int err = 0;
  privcmd_mmapbatch_v2_t batch = {};
  batch.num = 1;
  batch.dom = target;
  batch.addr = reinterpret_cast<std::uintptr_t>(foreign);
  batch.arr = &gfn;
  batch.err = &err;
  if (ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &batch) < 0 || err != 0) {
    std::printf("domubit-probe: MMAPBATCH_V2 dom %u gfn %#llx failed: %s (err %d)\n", target,
                static_cast<unsigned long long>(gfn), std::strerror(errno), err);
    return 1;
  }
  std::printf("domubit-probe: mapped dom %u gfn %#llx at %p, own page at %p\n", target,
              static_cast<unsigned long long>(gfn), foreign, static_cast<void*>(own));

  const auto* target_page = static_cast<const volatile unsigned char*>(foreign);
  for (unsigned long tick = 1;; ++tick) {
    // Own page first: if the target's page faults for good, this line is already out.
    std::printf("domubit-probe: tick %lu own %s\n", tick,
                OwnPageIntact(own) ? "intact" : "CORRUPTED");
    std::printf("domubit-probe: tick %lu target %016llx\n", tick,
                static_cast<unsigned long long>(PageHash(target_page)));
    usleep(interval_ms * 1000);
  }
}
