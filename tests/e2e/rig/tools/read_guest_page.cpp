// rig-read-guest-page: writes one 4 KiB page of a guest's memory, read by dom0 through
// libxenforeignmemory, to stdout. The rig's migration test compares it before and after a hop.
// Usage: rig-read-guest-page DOMID GFN   (GFN in hex or decimal; a PVH/HVM guest's gfn)
#include <sys/mman.h>

// Xen 4.17's header has no C++ guards of its own.
extern "C" {
#include <xenforeignmemory.h>
}

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "common/unique_handle.h"

namespace {

constexpr std::size_t kPageSize = 4096;

int CloseForeignMemory(xenforeignmemory_handle* handle) { return xenforeignmemory_close(handle); }
using ForeignMemoryHandle = virdomm::UniqueHandle<xenforeignmemory_handle, CloseForeignMemory>;

// One read-only mapping of one guest page, unmapped when it goes out of scope.
class MappedPage {
 public:
  MappedPage(xenforeignmemory_handle* fmem, void* addr) : fmem_(fmem), addr_(addr) {}
  MappedPage(const MappedPage&) = delete;
  MappedPage& operator=(const MappedPage&) = delete;
  ~MappedPage() { xenforeignmemory_unmap(fmem_, addr_, 1); }
  [[nodiscard]] const void* Data() const { return addr_; }

 private:
  xenforeignmemory_handle* fmem_;
  void* addr_;
};

bool ParseNumber(const char* text, unsigned long long* value) {
  char* end = nullptr;
  errno = 0;
  *value = std::strtoull(text, &end, 0);
  return errno == 0 && end != text && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv, static_cast<std::size_t>(argc));
  unsigned long long domid = 0;
  unsigned long long gfn = 0;
  if (args.size() != 3 || !ParseNumber(args[1], &domid) || !ParseNumber(args[2], &gfn)) {
    std::fprintf(stderr, "usage: rig-read-guest-page DOMID GFN\n");
    return 2;
  }
  ForeignMemoryHandle fmem(xenforeignmemory_open(nullptr, 0));
  if (!fmem) {
    std::fprintf(stderr, "xenforeignmemory_open: %s (run in dom0 as root)\n", std::strerror(errno));
    return 1;
  }
  xen_pfn_t frame = gfn;
  int frame_error = 0;
  void* addr = xenforeignmemory_map(fmem.get(), static_cast<uint32_t>(domid), PROT_READ, 1, &frame,
                                    &frame_error);
  if (addr == nullptr || frame_error != 0) {
    std::fprintf(stderr, "map gfn %#llx of domain %llu: %s\n", gfn, domid,
                 std::strerror(addr == nullptr ? errno : -frame_error));
    if (addr != nullptr) {
      xenforeignmemory_unmap(fmem.get(), addr, 1);
    }
    return 1;
  }
  MappedPage page(fmem.get(), addr);
  if (std::fwrite(page.Data(), 1, kPageSize, stdout) != kPageSize) {
    std::fprintf(stderr, "write: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
