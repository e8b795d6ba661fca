// The patched restore writes DomU-bit records under /run/virdomm/domubit, where the hook reads
// them: that directory's name in the library is the mark of a library that carries the
// mappings. The patches export no new symbol, so the mark is looked for in the file itself.
#include "libxenguest_probe.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace virdomm {
namespace {

// The soname libxl of Xen 4.17 links against: the same one libvirtd's libxl driver loads.
constexpr const char* kLibxenguestSoname = "libxenguest.so.4.17";
// DOMUBIT_RECORD_DIR of xen-patches/0004-restore-record-domubit-entries.patch.
constexpr std::string_view kRecordDirMark = "/run/virdomm/domubit";
// libxenguest is a few hundred KiB; anything far bigger is not it.
constexpr std::streamsize kMaxLibraryBytes = 64LL << 20;

struct DlClose {
  void operator()(void* handle) const { (void)::dlclose(handle); }
};
using DlHandle = std::unique_ptr<void, DlClose>;

}  // namespace

std::string LibxenguestFileCarryFault(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "cannot read " + path;
  }
  std::vector<char> bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    bytes.insert(bytes.end(), chunk, chunk + in.gcount());
    if (static_cast<std::streamsize>(bytes.size()) > kMaxLibraryBytes) {
      return path + " is larger than any libxenguest";
    }
  }
  const std::boyer_moore_horspool_searcher mark(kRecordDirMark.begin(), kRecordDirMark.end());
  if (std::search(bytes.begin(), bytes.end(), mark) == bytes.end()) {
    return path + " is a stock libxenguest: it does not carry Domain M's foreign mappings " +
           "through save and migration (a moved Domain M would be silently corrupted); " +
           "install virdomm's patched libxenguest (xen-patches/)";
  }
  return "";
}

std::string LibxenguestCarryFault() {
  // Resolve the soname exactly as the dynamic loader does for libvirtd.
  DlHandle handle(::dlopen(kLibxenguestSoname, RTLD_LAZY | RTLD_LOCAL));
  if (!handle) {
    const char* why = ::dlerror();
    return std::string("cannot load ") + kLibxenguestSoname + ": " + (why ? why : "unknown");
  }
  link_map* map = nullptr;
  if (::dlinfo(handle.get(), RTLD_DI_LINKMAP, &map) != 0 || map == nullptr ||
      map->l_name == nullptr || *map->l_name == '\0') {
    return std::string("cannot tell which file ") + kLibxenguestSoname + " is";
  }
  return LibxenguestFileCarryFault(map->l_name);
}

}  // namespace virdomm
