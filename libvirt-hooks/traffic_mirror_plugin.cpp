#include "traffic_mirror_plugin.h"

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <utility>

#include "common/error.h"
#include "network/network_plugin.h"

namespace virdomm {
namespace {

struct DlClose {
  void operator()(void* handle) const { dlclose(handle); }
};
using LibraryHandle = std::unique_ptr<void, DlClose>;

// Forwards to the plugin's mirror; the mirror goes before the library that holds its code.
class PluginTrafficMirror : public TrafficMirror {
 public:
  PluginTrafficMirror(LibraryHandle library, std::unique_ptr<TrafficMirror> mirror)
      : library_(std::move(library)), mirror_(std::move(mirror)) {}
  ~PluginTrafficMirror() override { mirror_.reset(); }
  PluginTrafficMirror(const PluginTrafficMirror&) = delete;
  PluginTrafficMirror& operator=(const PluginTrafficMirror&) = delete;

  std::string Start(const MirrorRequest& request) override { return mirror_->Start(request); }
  std::string Stop(protocol::DomId target) override { return mirror_->Stop(target); }
  std::string RemoveOrphans(protocol::DomId target) override {
    return mirror_->RemoveOrphans(target);
  }

 private:
  LibraryHandle library_;  // declared first: destroyed last
  std::unique_ptr<TrafficMirror> mirror_;
};

std::string DlError() {
  const char* reason = dlerror();
  return reason ? reason : "unknown reason";
}

}  // namespace

std::unique_ptr<TrafficMirror> LoadTrafficMirrorPlugin(const std::string& path) {
  LibraryHandle library(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library) {
    throw Error("cannot load the traffic mirror " + path + ": " + DlError() +
                " (it needs libnl-route-3)");
  }
  auto open = reinterpret_cast<OpenTrafficMirrorFn>(  // NOLINT: dlsym returns void*
      dlsym(library.get(), kTrafficMirrorPluginSymbol));
  if (!open) {
    throw Error("the traffic mirror " + path + " has no " + kTrafficMirrorPluginSymbol + ": " +
                DlError());
  }
  std::array<char, 512> reason{};
  std::unique_ptr<TrafficMirror> mirror(open(reason.data(), reason.size()));
  if (!mirror) {
    throw Error("the traffic mirror " + path + " could not start: " + reason.data());
  }
  return std::make_unique<PluginTrafficMirror>(std::move(library), std::move(mirror));
}

std::string TrafficMirrorPluginPath() {
  if (const char* path = std::getenv("VIRDOMM_HOOK_NETWORK_PLUGIN"); path && *path) {
    return path;
  }
  return VIRDOMM_HOOK_NETWORK_PLUGIN;
}

}  // namespace virdomm
