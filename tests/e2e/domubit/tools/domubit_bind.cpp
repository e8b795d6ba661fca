// Test fixture for dom0 of an emulated host: does by hand what the virdomm hook does when it
// binds a pair, so the xen-patches/linux-patches end-to-end test runs without the hook:
//   domubit-bind target  M U   set_target(M, U), xs_set_target, /local/domain/M/target = U,
//                              /local/domain/M/virdomm/generation (readable by M)
//   domubit-bind install M U   install /run/virdomm/domubit/M (libvirt-hooks/PROTOCOL.md) with
//                              mmu_update (page-table owner M, page owner U), delete it, bump
//                              the generation
extern "C" {  // Xen's headers declare no C linkage themselves.
#include <xenctrl.h>
#include <xenstore.h>
}

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/unique_handle.h"

// Exported by libxenctrl 4.17 (VERS_4.17.0) but declared only in its private header.
extern "C" {
struct xc_mmu;
struct xc_mmu* xc_alloc_mmu_updates(xc_interface* xch, unsigned int subject);
int xc_add_mmu_update(xc_interface* xch, struct xc_mmu* mmu, unsigned long long ptr,
                      unsigned long long val);
int xc_flush_mmu_updates(xc_interface* xch, struct xc_mmu* mmu);
}

namespace {

using XcHandle = virdomm::UniqueHandle<xc_interface, xc_interface_close>;
using XsHandle = virdomm::UniqueHandle<xs_handle, xs_close>;

struct Entry {
  std::uint64_t l1_mfn, slot, gfn, flags;
};

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string KeyPath(unsigned m, const std::string& key) {
  return "/local/domain/" + std::to_string(m) + "/" + key;
}

void XsWrite(xs_handle* xs, const std::string& path, const std::string& value) {
  if (!xs_write(xs, XBT_NULL, path.c_str(), value.data(), value.size())) {
    Fail("xenstore write " + path);
  }
}

void BumpGeneration(xs_handle* xs, unsigned m) {
  std::string path = KeyPath(m, "virdomm/generation");
  unsigned len = 0;
  char* raw = static_cast<char*>(xs_read(xs, XBT_NULL, path.c_str(), &len));
  unsigned long long generation = raw ? std::strtoull(raw, nullptr, 10) : 0;
  std::free(raw);
  XsWrite(xs, path, std::to_string(generation + 1));
}

void BindTarget(xc_interface* xc, xs_handle* xs, unsigned m, unsigned u) {
  if (xc_domain_set_target(xc, m, u) != 0) {
    Fail("set_target(M=" + std::to_string(m) + ", U=" + std::to_string(u) +
         ") (is U an HVM/PVH guest, is M's target still unset?)");
  }
  if (!xs_set_target(xs, m, u)) Fail("xs_set_target");
  XsWrite(xs, KeyPath(m, "target"), std::to_string(u));
  std::string home = KeyPath(m, "virdomm");
  if (!xs_mkdir(xs, XBT_NULL, home.c_str())) Fail("xenstore mkdir " + home);
  XsWrite(xs, home + "/target-domid", std::to_string(u));
  XsWrite(xs, home + "/state", "bound");
  struct xs_permissions perms[2] = {{0, XS_PERM_NONE}, {m, XS_PERM_READ}};
  for (const char* key : {"", "/target-domid", "/state"}) {
    std::string path = home + key;
    if (!xs_set_permissions(xs, XBT_NULL, path.c_str(), perms, 2)) Fail("permissions " + path);
  }
  BumpGeneration(xs, m);
  std::string gen = home + "/generation";
  if (!xs_set_permissions(xs, XBT_NULL, gen.c_str(), perms, 2)) Fail("permissions " + gen);
}

std::vector<Entry> ReadRecord(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail("open " + path);
  std::string line;
  if (!std::getline(in, line) || line != "virdomm-domubit 1") {
    throw std::runtime_error(path + ": not a 'virdomm-domubit 1' record");
  }
  std::vector<Entry> entries;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string word;
    Entry e{};
    if (!(fields >> word) || word != "entry" || !(fields >> std::hex >> e.l1_mfn) ||
        !(fields >> std::dec >> e.slot) || !(fields >> std::hex >> e.gfn >> e.flags) ||
        e.slot > 511) {
      throw std::runtime_error(path + ": malformed line '" + line + "'");
    }
    entries.push_back(e);
  }
  return entries;
}

void Install(xc_interface* xc, xs_handle* xs, unsigned m, unsigned u) {
  std::string path = "/run/virdomm/domubit/" + std::to_string(m);
  std::vector<Entry> entries = ReadRecord(path);
  xen_pfn_t max_gpfn = 0;
  if (xc_domain_maximum_gpfn(xc, u, &max_gpfn) < 0) Fail("maximum_gpfn of U");
  virdomm::UniqueHandle<xc_mmu, std::free> mmu(xc_alloc_mmu_updates(xc, ((m + 1) << 16) | u));
  if (!mmu) Fail("xc_alloc_mmu_updates");
  for (const Entry& e : entries) {
    if (e.gfn > max_gpfn) {
      throw std::runtime_error("gfn " + std::to_string(e.gfn) + " beyond U's maximum gpfn");
    }
    unsigned long long ptr = (e.l1_mfn << XC_PAGE_SHIFT) + 8 * e.slot;  // MMU_NORMAL_PT_UPDATE
    if (xc_add_mmu_update(xc, mmu.get(), ptr, (e.gfn << XC_PAGE_SHIFT) | e.flags) != 0) {
      Fail("mmu_update");
    }
  }
  if (xc_flush_mmu_updates(xc, mmu.get()) != 0) Fail("mmu_update flush");
  std::remove(path.c_str());
  BumpGeneration(xs, m);
  std::printf("installed %zu DomU-bit entries of M=%u (U=%u)\n", entries.size(), m, u);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s target|install M U\n", argv[0]);
    return 2;
  }
  try {
    std::string op = argv[1];
    unsigned m = std::stoul(argv[2]), u = std::stoul(argv[3]);
    XcHandle xc(xc_interface_open(nullptr, nullptr, 0));
    XsHandle xs(xs_open(0));
    if (!xc || !xs) Fail("opening libxenctrl/xenstore");
    if (op == "target") {
      BindTarget(xc.get(), xs.get(), m, u);
    } else if (op == "install") {
      Install(xc.get(), xs.get(), m, u);
    } else {
      std::fprintf(stderr, "unknown operation '%s'\n", op.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "domubit-bind: %s\n", e.what());
    return 1;
  }
  return 0;
}
