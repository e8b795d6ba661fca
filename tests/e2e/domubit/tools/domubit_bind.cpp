// Test fixture for dom0 of an emulated host: does by hand what the virdomm hook does when it
// binds a pair, so the xen-privcmd end-to-end test runs without the hook:
//   domubit-bind target M U   set_target(M, U), xs_set_target, /local/domain/M/target = U,
//                             /local/domain/M/virdomm/{target-domid,state,generation}
//                             (readable by M)
extern "C" {  // Xen's headers declare no C linkage themselves.
#include <xenctrl.h>
#include <xenstore.h>
}

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/unique_handle.h"

namespace {

using XcHandle = virdomm::UniqueHandle<xc_interface, xc_interface_close>;
using XsHandle = virdomm::UniqueHandle<xs_handle, xs_close>;

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s target M U\n", argv[0]);
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
