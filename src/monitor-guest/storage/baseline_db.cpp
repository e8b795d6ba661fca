// Baseline database text format with an HMAC-SHA256 trailer; strict parsing after verification.
#include "storage/baseline_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>

#include "common/durable_file.h"
#include "common/hex.h"
#include "common/unique_handle.h"
#include "core/digest.h"

namespace virdomm::monitor {
namespace {

constexpr std::string_view kMagic = "virdomm-storage-baseline 1\n";
constexpr std::string_view kTrailerTag = "hmac-sha256 ";
constexpr size_t kTrailerSize = kTrailerTag.size() + 64 + 1;
constexpr size_t kFieldCount = 16;
constexpr std::uint64_t kMaxDatabaseBytes = 8ULL << 30;

Digest Hmac(std::span<const uint8_t> key, std::string_view data) {
  HmacSha256 mac(key);
  mac.Update(data);
  return mac.Finish();
}

std::string Escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c <= 0x20 || c >= 0x7f || c == '%' || c == ',' || c == '=') {
      out += '%';
      AppendHexByte(out, c, HexCase::kUpper);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) throw BaselineError("truncated escape");
    int high = HexDigitValue(text[i + 1]);
    int low = HexDigitValue(text[i + 2]);
    if (high < 0 || low < 0) throw BaselineError("bad escape");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string FromHex(std::string_view hex) {
  std::optional<std::string> bytes = HexDecode(hex);
  if (!bytes) throw BaselineError("bad hex: odd length or not a hex digit");
  return std::move(*bytes);
}

template <typename T>
T ParseNumber(std::string_view text, int base = 10) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw BaselineError("bad number '" + std::string(text.substr(0, 40)) + "'");
  }
  return value;
}

std::string FormatTime(const Timestamp& time) {
  return std::to_string(time.seconds) + "." + std::to_string(time.nanoseconds);
}

Timestamp ParseTime(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) throw BaselineError("bad timestamp");
  Timestamp time{ParseNumber<std::int64_t>(text.substr(0, dot)),
                 ParseNumber<std::uint32_t>(text.substr(dot + 1))};
  if (time.nanoseconds > 999'999'999U) throw BaselineError("bad timestamp");
  return time;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string SerializeRecord(const FileRecord& r) {
  char perm[16];
  (void)std::snprintf(perm, sizeof perm, "%o", r.permissions);
  std::string xattrs;
  for (const auto& [name, value] : r.xattrs) {
    if (!xattrs.empty()) xattrs += ',';
    xattrs += Escape(name) + "=" + HexEncode(value);
  }
  std::string digests;
  for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
    if (r.digests[i].empty()) continue;
    if (!digests.empty()) digests += ',';
    digests +=
        std::string(ToString(static_cast<DigestAlgorithm>(i))) + "=" + HexEncode(r.digests[i]);
  }
  char attributes[16];
  (void)std::snprintf(attributes, sizeof attributes, "%x", r.attributes);
  std::string line = "F ";
  const std::string fields[kFieldCount] = {
      Escape(r.path),
      std::string(ToString(r.type)),
      perm,
      std::to_string(r.inode),
      std::to_string(r.link_count),
      std::to_string(r.uid),
      std::to_string(r.gid),
      std::to_string(r.size),
      FormatTime(r.mtime),
      FormatTime(r.ctime),
      std::to_string(r.device_major) + ":" + std::to_string(r.device_minor),
      Escape(r.link_target),
      xattrs,
      digests,
      attributes,
      Escape(r.error)};
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (i > 0) line += '\t';
    line += fields[i];
  }
  line += '\n';
  return line;
}

FileRecord ParseRecord(std::string_view line) {
  if (line.substr(0, 2) != "F ") throw BaselineError("entry line does not start with 'F '");
  auto fields = Split(line.substr(2), '\t');
  if (fields.size() != kFieldCount) {
    throw BaselineError("entry has " + std::to_string(fields.size()) + " fields, expected " +
                        std::to_string(kFieldCount));
  }
  FileRecord r;
  r.path = Unescape(fields[0]);
  auto type = ParseFileType(fields[1]);
  if (!type) throw BaselineError("unknown file type");
  r.type = *type;
  r.permissions = ParseNumber<std::uint32_t>(fields[2], 8);
  r.inode = ParseNumber<std::uint64_t>(fields[3]);
  r.link_count = ParseNumber<std::uint64_t>(fields[4]);
  r.uid = ParseNumber<std::uint32_t>(fields[5]);
  r.gid = ParseNumber<std::uint32_t>(fields[6]);
  r.size = ParseNumber<std::uint64_t>(fields[7]);
  r.mtime = ParseTime(fields[8]);
  r.ctime = ParseTime(fields[9]);
  auto device = Split(fields[10], ':');
  if (device.size() != 2) throw BaselineError("bad device field");
  r.device_major = ParseNumber<std::uint32_t>(device[0]);
  r.device_minor = ParseNumber<std::uint32_t>(device[1]);
  r.link_target = Unescape(fields[11]);
  if (!fields[12].empty()) {
    for (std::string_view item : Split(fields[12], ',')) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) throw BaselineError("bad xattr field");
      r.xattrs[Unescape(item.substr(0, eq))] = FromHex(item.substr(eq + 1));
    }
  }
  if (!fields[13].empty()) {
    for (std::string_view item : Split(fields[13], ',')) {
      size_t eq = item.find('=');
      auto algorithm = ParseDigestAlgorithm(item.substr(0, std::min(eq, item.size())));
      if (eq == std::string_view::npos || !algorithm) throw BaselineError("bad digest field");
      r.digests[static_cast<size_t>(*algorithm)] = FromHex(item.substr(eq + 1));
    }
  }
  r.attributes = ParseNumber<std::uint32_t>(fields[14], 16);
  r.error = Unescape(fields[15]);
  return r;
}

}  // namespace

std::string SerializeBaseline(const Baseline& baseline, std::span<const uint8_t> key) {
  std::string out(kMagic);
  out += "source " + Escape(baseline.source) + "\n";
  out += "created " + Escape(baseline.created) + "\n";
  out += "rules-sha256 " + baseline.rules_sha256 + "\n";
  out += "entries " + std::to_string(baseline.records.size()) + "\n";
  for (const FileRecord& record : baseline.records) out += SerializeRecord(record);
  out += "end " + std::to_string(baseline.records.size()) + "\n";
  out += std::string(kTrailerTag) + HexEncode(Hmac(key, out)) + "\n";
  return out;
}

Baseline ParseBaseline(std::string_view bytes, std::span<const uint8_t> key) {
  if (bytes.size() < kMagic.size() + kTrailerSize || bytes.substr(0, kMagic.size()) != kMagic) {
    throw BaselineError("not a virdomm storage baseline (bad header or truncated)");
  }
  std::string_view trailer = bytes.substr(bytes.size() - kTrailerSize);
  if (trailer.substr(0, kTrailerTag.size()) != kTrailerTag || trailer.back() != '\n') {
    throw BaselineError("signature line missing: the baseline is truncated or was appended to");
  }
  std::string_view body = bytes.substr(0, bytes.size() - kTrailerSize);
  std::optional<std::string> stored = HexDecode(trailer.substr(kTrailerTag.size(), 64));
  Digest stored_mac{};
  if (!stored || stored->size() != stored_mac.size()) {
    throw BaselineError("signature line is malformed");
  }
  std::memcpy(stored_mac.data(), stored->data(), stored_mac.size());
  if (!DigestsEqual(stored_mac, Hmac(key, body))) {
    throw BaselineError(
        "signature mismatch: the baseline was modified, truncated, or signed with another key");
  }
  // Signed by the key holder from here on; still parsed strictly.
  Baseline baseline;
  auto lines = Split(body.substr(kMagic.size()), '\n');
  if (lines.empty() || !lines.back().empty()) throw BaselineError("body does not end in newline");
  lines.pop_back();
  auto header = [&](size_t index, std::string_view tag) -> std::string_view {
    if (index >= lines.size() || lines[index].substr(0, tag.size()) != tag) {
      throw BaselineError("missing header '" + std::string(tag) + "'");
    }
    return lines[index].substr(tag.size());
  };
  baseline.source = Unescape(header(0, "source "));
  baseline.created = Unescape(header(1, "created "));
  baseline.rules_sha256 = std::string(header(2, "rules-sha256 "));
  auto count = ParseNumber<std::uint64_t>(header(3, "entries "));
  if (count != lines.size() - 5 ||
      ParseNumber<std::uint64_t>(header(lines.size() - 1, "end ")) != count) {
    throw BaselineError("entry count does not match the header");
  }
  baseline.records.reserve(count);
  for (size_t i = 4; i + 1 < lines.size(); ++i) {
    try {
      baseline.records.push_back(ParseRecord(lines[i]));
    } catch (const BaselineError& error) {
      throw BaselineError("line " + std::to_string(i + 2) + ": " + error.what());
    }
    if (baseline.records.size() > 1 &&
        !(baseline.records[baseline.records.size() - 2].path < baseline.records.back().path)) {
      throw BaselineError("entries are not sorted by path at line " + std::to_string(i + 2));
    }
  }
  return baseline;
}

Baseline ReadBaselineFile(const std::string& path, std::span<const uint8_t> key) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) ThrowErrno("open baseline " + path);
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0) ThrowErrno("stat baseline " + path);
  if (static_cast<std::uint64_t>(st.st_size) > kMaxDatabaseBytes) {
    throw BaselineError("baseline " + path + " is larger than 8 GiB");
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t got = ::read(fd.Get(), bytes.data() + done, bytes.size() - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("read baseline " + path);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  bytes.resize(done);
  try {
    return ParseBaseline(bytes, key);
  } catch (const BaselineError& error) {
    throw BaselineError("baseline " + path + " refused: " + error.what());
  }
}

void WriteBaselineFile(const std::string& path, const Baseline& baseline,
                       std::span<const uint8_t> key) {
  WriteFileDurably(path, SerializeBaseline(baseline, key), 0600);
}

}  // namespace virdomm::monitor
