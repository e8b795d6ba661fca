// The signed baseline database: serialisation, HMAC-SHA256 signing and verification, and
// atomic replacement. Format documented in README.md ("Baseline database").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "storage/file_record.h"

namespace virdomm::monitor {

// The database was refused: tampered with, truncated, signed with another key, or malformed.
class BaselineError : public Error {
 public:
  using Error::Error;
};

struct Baseline {
  std::string source;        // what was scanned ("image /srv/web1.img partition 1", "tree /mnt")
  std::string created;       // UTC, ISO 8601
  std::string rules_sha256;  // hex digest of the rules text in force at init/update
  std::vector<FileRecord> records;  // sorted by path
};

// A secret key of 16..4096 bytes, read from a file (raw bytes; `storage keygen` writes 32).
struct HmacKey {
  std::string bytes;
};
HmacKey LoadKey(const std::string& path);
// Writes 32 random bytes with mode 0600; refuses to overwrite an existing file.
void GenerateKeyFile(const std::string& path);

std::string SerializeBaseline(const Baseline& baseline, const HmacKey& key);
// Verifies the signature before parsing anything; throws BaselineError.
Baseline ParseBaseline(std::string_view bytes, const HmacKey& key);

// Reads and verifies; a missing file is an Error (I/O), a bad one a BaselineError.
Baseline ReadBaselineFile(const std::string& path, const HmacKey& key);
// Writes to a temporary file in the same directory, fsyncs, renames over `path`.
void WriteBaselineFile(const std::string& path, const Baseline& baseline, const HmacKey& key);

std::string Sha256Hex(std::string_view bytes);

}  // namespace virdomm::monitor
