// Names, parsing and printable values of file types, digests and attributes.
#include "storage/file_record.h"

#include "common/hex.h"

#include <sys/stat.h>

#include <cstdio>

namespace virdomm::monitor {
namespace {

constexpr std::array<std::string_view, 8> kFileTypeNames = {
    "file", "directory", "symlink", "char-device", "block-device", "fifo", "socket", "unknown"};
constexpr std::array<std::string_view, kDigestAlgorithmCount> kDigestNames = {"sha256", "sha512",
                                                                              "blake2b"};

std::string FormatTimestamp(const Timestamp& time) {
  char buffer[48];
  (void)std::snprintf(buffer, sizeof buffer, "%lld.%09u", static_cast<long long>(time.seconds),
                      time.nanoseconds);
  return buffer;
}

}  // namespace

std::string_view ToString(FileType type) { return kFileTypeNames.at(static_cast<size_t>(type)); }

std::optional<FileType> ParseFileType(std::string_view text) {
  for (size_t i = 0; i < kFileTypeNames.size(); ++i) {
    if (kFileTypeNames[i] == text) return static_cast<FileType>(i);
  }
  return std::nullopt;
}

FileType FileTypeFromMode(std::uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileType::kRegular;
    case S_IFDIR:
      return FileType::kDirectory;
    case S_IFLNK:
      return FileType::kSymlink;
    case S_IFCHR:
      return FileType::kCharDevice;
    case S_IFBLK:
      return FileType::kBlockDevice;
    case S_IFIFO:
      return FileType::kFifo;
    case S_IFSOCK:
      return FileType::kSocket;
    default:
      return FileType::kUnknown;
  }
}

std::string_view ToString(DigestAlgorithm algorithm) {
  return kDigestNames.at(static_cast<size_t>(algorithm));
}

std::optional<DigestAlgorithm> ParseDigestAlgorithm(std::string_view text) {
  for (size_t i = 0; i < kDigestNames.size(); ++i) {
    if (kDigestNames[i] == text) return static_cast<DigestAlgorithm>(i);
  }
  return std::nullopt;
}

const std::array<AttributeName, 18>& AllAttributes() {
  static const std::array<AttributeName, 18> kNames = {{
      {Attribute::kType, "type", "ftype"},
      {Attribute::kPermissions, "perm", "p"},
      {Attribute::kInode, "inode", "i"},
      {Attribute::kLinkCount, "nlink", "n"},
      {Attribute::kUid, "uid", "u"},
      {Attribute::kGid, "gid", "g"},
      {Attribute::kSize, "size", "s"},
      {Attribute::kMtime, "mtime", "m"},
      {Attribute::kCtime, "ctime", "c"},
      {Attribute::kLinkTarget, "target", "l"},
      {Attribute::kDevice, "rdev", "rdev"},
      {Attribute::kXattrs, "xattrs", "xattrs"},
      {Attribute::kSelinux, "selinux", "selinux"},
      {Attribute::kCapabilities, "caps", "caps"},
      {Attribute::kSha256, "sha256", "sha256"},
      {Attribute::kSha512, "sha512", "sha512"},
      {Attribute::kBlake2b, "blake2b", "blake2b"},
      {Attribute::kError, "error", "error"},
  }};
  return kNames;
}

std::string_view ToString(Attribute attribute) {
  for (const auto& entry : AllAttributes()) {
    if (entry.attribute == attribute) return entry.name;
  }
  return "?";
}

std::optional<Attribute> ParseAttribute(std::string_view text) {
  for (const auto& entry : AllAttributes()) {
    if (entry.attribute == Attribute::kError) continue;  // not selectable
    if (entry.name == text || entry.short_name == text) return entry.attribute;
  }
  return std::nullopt;
}

Attribute DigestAttribute(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha256:
      return Attribute::kSha256;
    case DigestAlgorithm::kSha512:
      return Attribute::kSha512;
    case DigestAlgorithm::kBlake2b:
      return Attribute::kBlake2b;
  }
  return Attribute::kSha256;
}

std::string AttributeSetToString(AttributeSet set) {
  std::string out;
  for (const auto& entry : AllAttributes()) {
    if ((set & Bit(entry.attribute)) == 0) continue;
    if (!out.empty()) out += '+';
    out += entry.name;
  }
  return out.empty() ? "-" : out;
}

std::string EscapeForDisplay(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out += "\\x";
      AppendHexByte(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string FormatXattrValue(std::string_view value) {
  std::string_view text = value;
  if (!text.empty() && text.back() == '\0') text.remove_suffix(1);  // C-string labels
  bool printable = true;
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') printable = false;
  }
  if (printable) return "\"" + std::string(text) + "\"";
  return "0x" + HexEncode(value);
}

std::string FormatAttribute(const FileRecord& record, Attribute attribute) {
  auto xattr = [&](const char* name) -> std::string {
    auto it = record.xattrs.find(name);
    return it == record.xattrs.end() ? "-" : FormatXattrValue(it->second);
  };
  auto digest = [&](DigestAlgorithm algorithm) -> std::string {
    const std::string& bytes = record.digests[static_cast<size_t>(algorithm)];
    return bytes.empty() ? "-" : HexEncode(bytes);
  };
  char buffer[64];
  switch (attribute) {
    case Attribute::kType:
      return std::string(ToString(record.type));
    case Attribute::kPermissions:
      (void)std::snprintf(buffer, sizeof buffer, "%04o", record.permissions);
      return buffer;
    case Attribute::kInode:
      return std::to_string(record.inode);
    case Attribute::kLinkCount:
      return std::to_string(record.link_count);
    case Attribute::kUid:
      return std::to_string(record.uid);
    case Attribute::kGid:
      return std::to_string(record.gid);
    case Attribute::kSize:
      return std::to_string(record.size);
    case Attribute::kMtime:
      return FormatTimestamp(record.mtime);
    case Attribute::kCtime:
      return FormatTimestamp(record.ctime);
    case Attribute::kLinkTarget:
      return record.type == FileType::kSymlink ? EscapeForDisplay(record.link_target) : "-";
    case Attribute::kDevice:
      if (record.type != FileType::kCharDevice && record.type != FileType::kBlockDevice) {
        return "-";
      }
      (void)std::snprintf(buffer, sizeof buffer, "%u:%u", record.device_major, record.device_minor);
      return buffer;
    case Attribute::kXattrs: {
      std::string out;
      for (const auto& [name, value] : record.xattrs) {
        if (!out.empty()) out += ' ';
        out += EscapeForDisplay(name) + "=" + FormatXattrValue(value);
      }
      return out.empty() ? "-" : out;
    }
    case Attribute::kSelinux:
      return xattr("security.selinux");
    case Attribute::kCapabilities:
      return xattr("security.capability");
    case Attribute::kSha256:
      return digest(DigestAlgorithm::kSha256);
    case Attribute::kSha512:
      return digest(DigestAlgorithm::kSha512);
    case Attribute::kBlake2b:
      return digest(DigestAlgorithm::kBlake2b);
    case Attribute::kError:
      return record.error.empty() ? "-" : record.error;
  }
  return "?";
}

}  // namespace virdomm::monitor
