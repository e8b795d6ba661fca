// What the storage checker records about one file, and the names of the attributes it compares.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace virdomm::monitor {

enum class FileType : std::uint8_t {
  kRegular,
  kDirectory,
  kSymlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
  kSocket,
  kUnknown,
};
std::string_view ToString(FileType type);
std::optional<FileType> ParseFileType(std::string_view text);
// The file type from the S_IFMT bits of a mode (the same on Linux and in ext2/3/4).
FileType FileTypeFromMode(std::uint32_t mode);

enum class DigestAlgorithm : std::uint8_t { kSha256, kSha512, kBlake2b };
inline constexpr std::size_t kDigestAlgorithmCount = 3;
std::string_view ToString(DigestAlgorithm algorithm);
std::optional<DigestAlgorithm> ParseDigestAlgorithm(std::string_view text);

// One bit per attribute a rule can select. kError is not selectable: it is always compared, so a
// file that became unreadable (a damaged or hostile image) is reported.
enum class Attribute : std::uint32_t {
  kType = 1U << 0,
  kPermissions = 1U << 1,
  kInode = 1U << 2,
  kLinkCount = 1U << 3,
  kUid = 1U << 4,
  kGid = 1U << 5,
  kSize = 1U << 6,
  kMtime = 1U << 7,
  kCtime = 1U << 8,
  kLinkTarget = 1U << 9,
  kDevice = 1U << 10,
  kXattrs = 1U << 11,
  kSelinux = 1U << 12,
  kCapabilities = 1U << 13,
  kSha256 = 1U << 14,
  kSha512 = 1U << 15,
  kBlake2b = 1U << 16,
  kError = 1U << 17,
};
using AttributeSet = std::uint32_t;
inline constexpr AttributeSet Bit(Attribute attribute) {
  return static_cast<AttributeSet>(attribute);
}
inline constexpr AttributeSet kDigestAttributes =
    Bit(Attribute::kSha256) | Bit(Attribute::kSha512) | Bit(Attribute::kBlake2b);
inline constexpr AttributeSet kXattrAttributes =
    Bit(Attribute::kXattrs) | Bit(Attribute::kSelinux) | Bit(Attribute::kCapabilities);

// Every attribute in report order, with its report name and the short names rules accept.
struct AttributeName {
  Attribute attribute;
  std::string_view name;        // used in reports and the database ("perm", "sha256")
  std::string_view short_name;  // AIDE-style letter(s) accepted in rules ("p", "sha256")
};
const std::array<AttributeName, 18>& AllAttributes();
std::string_view ToString(Attribute attribute);
std::optional<Attribute> ParseAttribute(std::string_view text);  // long or short name
Attribute DigestAttribute(DigestAlgorithm algorithm);
std::string AttributeSetToString(AttributeSet set);  // "type+perm+sha256"

struct Timestamp {
  std::int64_t seconds = 0;
  std::uint32_t nanoseconds = 0;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct FileRecord {
  std::string path;  // guest-absolute, raw bytes ("/etc/passwd")
  FileType type = FileType::kUnknown;
  std::uint32_t permissions = 0;  // 07777: rwx bits plus setuid, setgid, sticky
  std::uint64_t inode = 0;
  std::uint64_t link_count = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  Timestamp mtime;
  Timestamp ctime;
  std::string link_target;
  std::uint32_t device_major = 0;
  std::uint32_t device_minor = 0;
  std::map<std::string, std::string> xattrs;               // name -> raw value
  std::array<std::string, kDigestAlgorithmCount> digests;  // raw digest bytes; empty = not taken
  AttributeSet attributes = 0;                             // what the rules selected for this path
  std::string error;  // why part of this file could not be read; empty when fine
};

// Printable form of one attribute's value, as reports show it ("0644", "sha256 hex", "-").
std::string FormatAttribute(const FileRecord& record, Attribute attribute);
// Printable form of an xattr value: quoted text when printable, else 0x-prefixed hex.
std::string FormatXattrValue(std::string_view value);
// Path or name with control, non-ASCII and backslash bytes written as \xHH.
std::string EscapeForDisplay(std::string_view raw);

}  // namespace virdomm::monitor
