// A small line-based file per registered domain; written atomically, read strictly.
#include "pair_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <map>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

namespace {

constexpr std::string_view kHeader = "virdomm-registration 1";
constexpr std::size_t kMaxRegistrationBytes = std::size_t{64} << 10U;

// libvirt names cannot hold '/', but may hold anything else: keep a line a line.
std::string OneLine(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return out;
}

std::string CheckedUuid(const std::string& uuid) {
  auto canonical = CanonicalUuid(uuid);
  if (!canonical) {
    throw Error("pair registry: '" + uuid + "' is not a UUID");
  }
  return *canonical;
}

void MakeDirs(const std::string& path) {
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      ThrowErrno("creating directory " + partial);
    }
  }
}

// The settings lines: all three or none (a file from before they were recorded).
Registration WithSettings(Registration r,
                          const std::map<std::string, std::string, std::less<>>& fields,
                          const std::string& what) {
  auto interval = fields.find(protocol::kMemoryIntervalKey);
  auto regions = fields.find(protocol::kMemoryRegionsKey);
  auto source = fields.find(protocol::kStorageSourceKey);
  const bool none = interval == fields.end() && regions == fields.end() && source == fields.end();
  if (none) {
    return r;
  }
  if (interval == fields.end() || regions == fields.end() || source == fields.end()) {
    throw Error(what + ": has some of the monitor settings, not all three");
  }
  auto parsed_interval = protocol::ParseMemoryInterval(interval->second);
  auto parsed_regions = protocol::ParseMemoryRegions(regions->second);
  auto parsed_source = protocol::ParseStorageSource(source->second);
  if (!parsed_interval || !parsed_regions || !parsed_source) {
    throw Error(what + ": bad monitor setting ('" + interval->second + "', '" + regions->second +
                "', '" + source->second + "')");
  }
  r.settings = MonitorSettings{*parsed_interval, *parsed_regions, *parsed_source};
  return r;
}

}  // namespace

std::string FormatRegistration(const Registration& r) {
  std::string out(kHeader);
  out += "\nuuid " + r.uuid;
  out += "\nname " + OneLine(r.name);
  out += "\ndomid " + std::to_string(r.domid);
  out += "\nrole " + std::string(ToString(r.role));
  out += "\npartner-uuid " + r.partner_uuid;
  out += "\npartner-name " + OneLine(r.partner_name);
  out += "\non-grant-failure " + std::string(ToString(r.on_grant_failure));
  if (!r.mirror_mac.empty()) {
    out += "\nmirror-mac " + r.mirror_mac;
  }
  if (r.settings) {
    // The xenstore keys' names and value forms: the registration carries what gets published.
    out += "\n" + std::string(protocol::kMemoryIntervalKey) + " " +
           protocol::FormatMemoryInterval(r.settings->memory_interval_ms);
    out += "\n" + std::string(protocol::kMemoryRegionsKey) + " " +
           protocol::FormatMemoryRegions(r.settings->memory_regions);
    out +=
        "\n" + std::string(protocol::kStorageSourceKey) + " " + OneLine(r.settings->storage_source);
  }
  out += "\n";
  return out;
}

Registration ParseRegistration(std::string_view text, const std::string& what) {
  if (text.substr(0, kHeader.size() + 1) != std::string(kHeader) + "\n") {
    throw Error(what + ": not a virdomm registration (expected '" + std::string(kHeader) + "')");
  }
  std::map<std::string, std::string, std::less<>> fields;
  std::size_t pos = kHeader.size() + 1;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      throw Error(what + ": last line has no newline (file truncated?)");
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    std::size_t sp = line.find(' ');
    std::string key(line.substr(0, sp));
    std::string value = sp == std::string_view::npos ? "" : std::string(line.substr(sp + 1));
    if (!fields.emplace(key, value).second) {
      throw Error(what + ": key '" + std::move(key) + "' appears twice");
    }
  }
  auto need = [&](const char* key) -> const std::string& {
    auto it = fields.find(key);
    if (it == fields.end()) {
      throw Error(what + ": lacks '" + key + "'");
    }
    return it->second;
  };
  Registration r;
  r.uuid = CanonicalUuid(need("uuid")).value_or("");
  r.partner_uuid = CanonicalUuid(need("partner-uuid")).value_or("");
  if (r.uuid.empty() || r.partner_uuid.empty()) {
    throw Error(what + ": 'uuid' or 'partner-uuid' is not a UUID");
  }
  r.name = need("name");
  r.partner_name = need("partner-name");
  const std::string& domid = need("domid");
  auto [ptr, ec] = std::from_chars(domid.data(), domid.data() + domid.size(), r.domid);
  if (domid.empty() || ec != std::errc() || ptr != domid.data() + domid.size()) {
    throw Error(what + ": domid '" + domid + "' is not a number");
  }
  auto role = ParsePairingRole(need("role"));
  auto policy = ParseGrantFailurePolicy(need("on-grant-failure"));
  if (!role || !policy) {
    throw Error(what + ": bad 'role' or 'on-grant-failure'");
  }
  r.role = *role;
  r.on_grant_failure = *policy;
  if (auto it = fields.find("mirror-mac"); it != fields.end()) {
    std::string why;
    r.mirror_mac = CanonicalUnicastMac(it->second, why);
    if (r.mirror_mac.empty()) {
      throw Error(what + ": mirror-mac '" + it->second + "' " + why);
    }
  }
  return WithSettings(std::move(r), fields, what);
}

PairRegistry::PairRegistry(std::string run_dir) : dir_(std::move(run_dir) + "/hook/domains") {}

std::string PairRegistry::PathOf(const std::string& uuid) const {
  return dir_ + "/" + CheckedUuid(uuid);
}

void PairRegistry::Register(const Registration& registration) const {
  std::string path = PathOf(registration.uuid);
  MakeDirs(dir_);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::string text = FormatRegistration(registration);
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.Valid()) {
      ThrowErrno("pair registry: creating " + tmp);
    }
    if (::write(fd.Get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      int err = errno;
      (void)::unlink(tmp.c_str());
      throw Error(ErrnoMessage("pair registry: writing " + tmp, err));
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    (void)::unlink(tmp.c_str());
    throw Error(ErrnoMessage("pair registry: renaming " + tmp + " to " + path, err));
  }
}

void PairRegistry::Unregister(const std::string& uuid) const {
  std::string path = PathOf(uuid);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    ThrowErrno("pair registry: removing " + path);
  }
}

std::optional<Registration> PairRegistry::Find(const std::string& uuid) const {
  std::string path = PathOf(uuid);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.Valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::nullopt;
    }
    ThrowErrno("pair registry: opening " + path);
  }
  std::string text(kMaxRegistrationBytes + 1, '\0');
  ssize_t n = ::read(fd.Get(), text.data(), text.size());
  if (n < 0) {
    ThrowErrno("pair registry: reading " + path);
  }
  if (static_cast<std::size_t>(n) > kMaxRegistrationBytes) {
    throw Error(path + ": larger than " + std::to_string(kMaxRegistrationBytes) + " bytes");
  }
  text.resize(static_cast<std::size_t>(n));
  return ParseRegistration(text, path);
}

}  // namespace virdomm
