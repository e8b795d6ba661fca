// xenforeignmemory_map(PROT_READ) per batch; each batch is unmapped when its FrameView goes.
#include "memory/xen_foreign_memory.h"

#include <sys/mman.h>
// The Xen headers have no C++ linkage guards of their own.
extern "C" {
#include <xenforeignmemory.h>
#include <xenstore.h>
}

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/protocol/key_values.h"
#include "common/protocol/xenstore_keys.h"
#include "common/unique_handle.h"

namespace virdomm::monitor {
namespace {

constexpr uint64_t kFourGiB = uint64_t{4} << 30;
constexpr const char* kDropOnSuspendParameter =
    "/sys/module/xen_privcmd/parameters/drop_on_suspend";
// Xen's hvmloader keeps RAM below this by default (the MMIO hole takes the rest up to 4 GiB).
constexpr uint64_t kDefaultHvmLowmemTop = 0xf0000000;

void CloseHandle(xenforeignmemory_handle* handle) { xenforeignmemory_close(handle); }

// A xenstore key (a relative path resolves in this domain's own home); nullopt when absent.
std::optional<std::string> ReadKey(xs_handle* xs, const char* key,
                                   xs_transaction_t transaction = XBT_NULL) {
  unsigned int length = 0;
  std::unique_ptr<char, decltype(&std::free)> value(
      static_cast<char*>(xs_read(xs, transaction, key, &length)), &std::free);
  if (!value) {
    return std::nullopt;
  }
  return std::string(value.get(), length);
}

// A Domain M that holds foreign mappings across a save or migration comes back corrupted on a
// stock toolstack unless its xen-privcmd drops them at suspend and re-makes them afterwards
// (linux-patches/0005, which says so in a read-only parameter). dom0 never migrates.
void RequirePrivcmdThatDropsOnSuspend() {
  UniqueHandle<xs_handle, xs_close> xs(xs_open(0));
  if (xs && ReadKey(xs.get(), "domid") == "0") {
    return;
  }
  std::ifstream in(kDropOnSuspendParameter);
  std::string value;
  if (in >> value && value == "Y") {
    return;
  }
  throw Error(
      std::string("this domain's xen-privcmd does not drop its foreign mappings when the ") +
      "domain is suspended (" + kDropOnSuspendParameter + (in ? " is not Y" : " is missing") +
      "): a save or migration would corrupt this Domain M; load virdomm's xen-privcmd "
      "(linux-patches/) before mapping its target");
}

uint64_t ReadStaticMaxBytes(uint32_t domid) {
  UniqueHandle<xs_handle, xs_close> xs(xs_open(0));
  if (!xs) {
    ThrowErrno("xenstore open (to read domain " + std::to_string(domid) +
               "'s memory size; pass --guest-memory SIZE instead)");
  }
  std::string key = protocol::DomainHome(domid) + "/memory/static-max";  // Xen's own key
  std::optional<std::string> value = ReadKey(xs.get(), key.c_str());
  if (!value) {
    ThrowErrno("xenstore read " + key + " (pass --guest-memory SIZE instead)");
  }
  uint64_t kib = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), kib);
  if (ec != std::errc() || ptr != value->data() + value->size() || kib == 0) {
    throw Error("xenstore " + key + " is not a size in KiB: '" + *value + "'");
  }
  return kib << 10;
}

struct ForeignMapping {
  std::shared_ptr<xenforeignmemory_handle> handle;
  void* address = nullptr;
  std::size_t pages = 0;
  ForeignMapping(std::shared_ptr<xenforeignmemory_handle> owner, void* where, std::size_t count)
      : handle(std::move(owner)), address(where), pages(count) {}
  ForeignMapping(const ForeignMapping&) = delete;
  ForeignMapping& operator=(const ForeignMapping&) = delete;
  ~ForeignMapping() {
    if (address != nullptr) {
      xenforeignmemory_unmap(handle.get(), address, pages);
    }
  }
};

}  // namespace

uint64_t HvmFrameLimit(uint64_t memory_bytes) {
  uint64_t top = memory_bytes <= kDefaultHvmLowmemTop
                     ? memory_bytes
                     : kFourGiB + (memory_bytes - kDefaultHvmLowmemTop);
  return (top + kPageSize - 1) >> kPageShift;
}

XenForeignMemory::XenForeignMemory(uint32_t domid, std::optional<uint64_t> memory_bytes)
    : domid_(domid) {
  RequirePrivcmdThatDropsOnSuspend();
  xenforeignmemory_handle* raw = xenforeignmemory_open(nullptr, 0);
  if (raw == nullptr) {
    ThrowErrno(
        "xenforeignmemory_open (is /dev/xen/privcmd present and is this a Xen guest "
        "with the rights over domain " +
        std::to_string(domid) + "?)");
  }
  handle_ = std::shared_ptr<xenforeignmemory_handle>(raw, CloseHandle);
  if (xenforeignmemory_restrict(handle_.get(), static_cast<domid_t>(domid)) == 0) {
    restricted_ = true;
  } else if (errno != ENOTTY && errno != EOPNOTSUPP && errno != ENOSYS) {
    ThrowErrno("xenforeignmemory_restrict to domain " + std::to_string(domid));
  }
  frame_limit_ = HvmFrameLimit(memory_bytes ? *memory_bytes : ReadStaticMaxBytes(domid));
}

namespace {

// The binding keys as one consistent snapshot: read in one xenstore transaction, as the host's
// hook writes them in one, so that a state of one publish never meets the target of another.
BindingView ReadBindingFrom(xs_handle* xs) {
  constexpr int kAttempts = 20;
  // Relative paths: this domain's xenstore connection resolves them in its own home.
  const std::string state_key = protocol::OwnBindingKey(protocol::kStateKey);
  const std::string target_key = protocol::OwnBindingKey(protocol::kTargetDomidKey);
  const std::string generation_key = protocol::OwnBindingKey(protocol::kGenerationKey);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    xs_transaction_t transaction = xs_transaction_start(xs);
    if (transaction == XBT_NULL) {
      ThrowErrno("xenstore transaction start (to read this Domain M's binding)");
    }
    BindingView view;
    std::optional<std::string> state = ReadKey(xs, state_key.c_str(), transaction);
    std::string target = ReadKey(xs, target_key.c_str(), transaction).value_or("?");
    view.instance = ReadKey(xs, "domid", transaction).value_or("?") + "/" + target + "/" +
                    ReadKey(xs, generation_key.c_str(), transaction).value_or("?");
    if (xs_transaction_end(xs, transaction, false)) {
      view.description = state.value_or("(none)");
      view.target_domid = protocol::ParseDomid(target);
      std::optional<protocol::Binding> parsed =
          state ? protocol::ParseStateValue(*state) : std::nullopt;
      if (parsed) {
        view.state = parsed->state;
      }
      if (view.Is(protocol::BindingState::kBound) && !view.target_domid) {
        // Not a binding M can use: nothing to map. Reported as its own state, which pauses
        // checks until the hook publishes a whole one.
        view.state.reset();
        view.description = protocol::ToString(protocol::BindingState::kBound);
        view.description.append(", but ")
            .append(target_key)
            .append(" is '")
            .append(target)
            .append("'");
      }
      return view;
    }
    if (errno != EAGAIN) {
      ThrowErrno("xenstore transaction end (reading this Domain M's binding)");
    }
  }
  throw Error("xenstore: this Domain M's binding kept changing during " +
              std::to_string(kAttempts) + " reads");
}

}  // namespace

uint32_t WaitForBoundTarget(std::chrono::milliseconds wait) {
  UniqueHandle<xs_handle, xs_close> xs(xs_open(0));
  if (!xs) {
    ThrowErrno("xenstore open (to learn this Domain M's target)");
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string last_state = "(no " + protocol::OwnBindingKey(protocol::kStateKey) + " key yet)";
  while (true) {
    BindingView view = ReadBindingFrom(xs.get());
    last_state = view.description;
    if (view.Is(protocol::BindingState::kBound)) {
      return *view.target_domid;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error("this domain was not bound to its target within " +
                  std::to_string(wait.count() / 1000) + " s; xenstore " +
                  protocol::OwnBindingKey(protocol::kStateKey) + ": " + last_state);
    }
    // Polling, not xs_watch: a watch needs its own thread to bound the wait, and this runs once
    // per monitor start.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

BindingView ReadBinding() {
  UniqueHandle<xs_handle, xs_close> xs(xs_open(0));
  if (!xs) {
    ThrowErrno("xenstore open (to read this Domain M's binding state)");
  }
  return ReadBindingFrom(xs.get());
}

std::string XenForeignMemory::Describe() const {
  return "Xen domain " + std::to_string(domid_) + (restricted_ ? "" : " (handle not restricted)");
}

FrameView XenForeignMemory::MapFrames(std::span<const uint64_t> gfns) {
  std::vector<const uint8_t*> frames(gfns.size(), nullptr);
  std::vector<int> errors(gfns.size(), 0);
  if (gfns.empty()) {
    return FrameView(std::move(frames), std::move(errors), nullptr);
  }
  std::vector<xen_pfn_t> pfns(gfns.begin(), gfns.end());
  void* address = xenforeignmemory_map(handle_.get(), domid_, PROT_READ, pfns.size(), pfns.data(),
                                       errors.data());
  if (address == nullptr) {
    ThrowErrno("xenforeignmemory_map of " + std::to_string(gfns.size()) + " frames of domain " +
               std::to_string(domid_) + " (is this domain its target, and the target HVM/PVH?)");
  }
  auto mapping = std::make_shared<ForeignMapping>(handle_, address, pfns.size());
  for (std::size_t i = 0; i < gfns.size(); ++i) {
    if (errors[i] == 0) {
      frames[i] = static_cast<const uint8_t*>(address) + i * kPageSize;
    } else if (errors[i] < 0) {
      errors[i] = -errors[i];  // privcmd reports negative errno values per frame
    }
  }
  return FrameView(std::move(frames), std::move(errors), std::move(mapping));
}

}  // namespace virdomm::monitor
