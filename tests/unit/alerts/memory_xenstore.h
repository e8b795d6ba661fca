// An in-memory xenstore for the alert channel's unit tests: one tree, seen by Domain M through
// HomeKeys (paths relative to its home) and by dom0 through Dom0Keys (absolute paths), with
// each node's owner, so the collector's check that dom0 owns a key can be exercised.
#pragma once

#include <map>
#include <string>

#include "alerts/alert_collector.h"
#include "alerts/alert_publisher.h"

namespace virdomm::testing {

struct MemoryXenstore {
  struct Node {
    std::string value;
    unsigned owner = 0;
  };
  std::map<std::string, Node> nodes;

  std::vector<std::string> Children(const std::string& path) const {
    std::vector<std::string> names;
    std::string prefix = path + "/";
    for (const auto& [key, node] : nodes) {
      if (key.starts_with(prefix)) {
        std::string rest = key.substr(prefix.size());
        std::string name = rest.substr(0, rest.find('/'));
        if (names.empty() || names.back() != name) {
          names.push_back(name);
        }
      }
    }
    return names;
  }
  void Erase(const std::string& path) {
    for (auto it = nodes.begin(); it != nodes.end();) {
      it = (it->first == path || it->first.starts_with(path + "/")) ? nodes.erase(it) : ++it;
    }
  }
};

class GuestView : public monitor::HomeKeys {
 public:
  GuestView(MemoryXenstore& store, unsigned domid)
      : store_(store), domid_(domid), home_("/local/domain/" + std::to_string(domid) + "/") {}
  std::optional<std::string> Read(const std::string& path) override {
    auto it = store_.nodes.find(home_ + path);
    return it == store_.nodes.end() ? std::nullopt : std::optional(it->second.value);
  }
  void Write(const std::string& path, const std::string& value) override {
    store_.nodes[home_ + path] = {value, domid_};
  }
  std::vector<std::string> List(const std::string& path) override {
    return store_.Children(home_ + path);
  }
  void Remove(const std::string& path) override { store_.Erase(home_ + path); }

 private:
  MemoryXenstore& store_;
  unsigned domid_;
  std::string home_;
};

class Dom0View : public Dom0Keys {
 public:
  explicit Dom0View(MemoryXenstore& store) : store_(store) {}
  std::vector<std::string> List(const std::string& path) override { return store_.Children(path); }
  std::optional<std::string> Read(const std::string& path) override {
    auto it = store_.nodes.find(path);
    return it == store_.nodes.end() ? std::nullopt : std::optional(it->second.value);
  }
  bool OwnedByDom0(const std::string& path) override {
    auto it = store_.nodes.find(path);
    return it != store_.nodes.end() && it->second.owner == 0;
  }
  void WriteReadableBy(const std::string& path, const std::string& value,
                       std::uint32_t /*reader*/) override {
    store_.nodes[path] = {value, 0};
  }

 private:
  MemoryXenstore& store_;
};

}  // namespace virdomm::testing
