// The signed baseline database: serialisation, HMAC-SHA256 signing and verification, and
// atomic replacement. Format documented in README.md ("Baseline database").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/signing_key.h"
#include "storage/file_record.h"

namespace virdomm::monitor {

struct Baseline {
  std::string source;        // what was scanned ("image /srv/web1.img partition 1", "tree /mnt")
  std::string created;       // UTC, ISO 8601
  std::string rules_sha256;  // hex digest of the rules text in force at init/update
  std::vector<FileRecord> records;  // sorted by path
};

// `key` is the signing key's bytes (core/signing_key.h: LoadKeyFile, GenerateKeyFile).
std::string SerializeBaseline(const Baseline& baseline, std::span<const uint8_t> key);
// Verifies the signature before parsing anything; throws BaselineError.
Baseline ParseBaseline(std::string_view bytes, std::span<const uint8_t> key);

// Reads and verifies; a missing file is an Error (I/O), a bad one a BaselineError.
Baseline ReadBaselineFile(const std::string& path, std::span<const uint8_t> key);
// Replaces `path` durably with mode 0600 (common/durable_file.h).
void WriteBaselineFile(const std::string& path, const Baseline& baseline,
                       std::span<const uint8_t> key);

}  // namespace virdomm::monitor
