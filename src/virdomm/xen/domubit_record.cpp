// Strict reader of the DomU-bit record: every deviation from PROTOCOL.md is an error that names
// the line, so nothing half-understood is ever written into a page table.
#include "xen/domubit_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <set>
#include <utility>

#include "common/unique_handle.h"

namespace virdomm {

namespace {

constexpr std::string_view kHeader = "virdomm-domubit 1";
constexpr std::string_view kHeaderWord = "virdomm-domubit";

std::string Hex(std::uint64_t value) {
  char buf[17];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, 16);
  (void)ec;
  return {buf, end};
}

class LineReader {
 public:
  LineReader(std::string_view text, const std::string& what) : text_(text), what_(what) {}

  // Next line without its newline; nullopt at the end. A last line without '\n' means the
  // file was cut short.
  std::optional<std::string_view> Next() {
    if (pos_ >= text_.size()) {
      return std::nullopt;
    }
    std::size_t nl = text_.find('\n', pos_);
    ++line_;
    if (nl == std::string_view::npos) {
      throw Fail("the last line has no newline (file truncated?)");
    }
    std::string_view line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return line;
  }

  [[nodiscard]] DomUBitRecordError Fail(const std::string& fault) const {
    return DomUBitRecordError(what_ + ": line " + std::to_string(line_) + ": " + fault);
  }

 private:
  std::string_view text_;
  const std::string& what_;
  std::size_t pos_ = 0;
  unsigned line_ = 0;
};

// Splits on single spaces; an empty field (double space, leading/trailing space) is kept so
// the caller rejects it.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (fields.size() <= 8) {
    std::size_t sp = line.find(' ', start);
    fields.push_back(line.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) {
      break;
    }
    start = sp + 1;
  }
  return fields;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<std::uint64_t> ParseNumber(std::string_view text, int base) {
  if (text.empty() || text.size() > 16) {
    return std::nullopt;
  }
  for (char c : text) {
    if (base == 16 ? !IsHexDigit(c) : !(c >= '0' && c <= '9')) {
      return std::nullopt;
    }
  }
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

DomUBitEntry ParseEntry(std::string_view line, const LineReader& reader) {
  std::vector<std::string_view> f = Fields(line);
  if (f[0] != "entry") {
    throw reader.Fail("expected 'entry <l1-mfn> <slot> <gfn> <flags>', got '" +
                      std::string(line.substr(0, 64)) + "'");
  }
  if (f.size() != 5) {
    throw reader.Fail("an entry has 4 fields separated by single spaces, this line has " +
                      std::to_string(f.size() - 1));
  }
  DomUBitEntry entry;
  auto l1 = ParseNumber(f[1], 16);
  if (!l1 || *l1 > kMaxFrameNumber) {
    throw reader.Fail("l1-mfn '" + std::string(f[1]) +
                      "' is not a hexadecimal frame number (no 0x, at most 40 bits)");
  }
  entry.l1_mfn = *l1;
  auto slot = ParseNumber(f[2], 10);
  if (!slot || *slot >= kL1Slots) {
    throw reader.Fail("slot '" + std::string(f[2]) + "' is not a decimal index from 0 to 511");
  }
  entry.slot = static_cast<unsigned>(*slot);
  auto gfn = ParseNumber(f[3], 16);
  if (!gfn || *gfn > kMaxFrameNumber) {
    throw reader.Fail("gfn '" + std::string(f[3]) +
                      "' is not a hexadecimal frame number (no 0x, at most 40 bits)");
  }
  entry.gfn = *gfn;
  auto flags = ParseNumber(f[4], 16);
  if (!flags) {
    throw reader.Fail("flags '" + std::string(f[4]) + "' is not a hexadecimal number");
  }
  entry.flags = *flags;
  if ((entry.flags & kPteFrameMask) != 0) {
    throw reader.Fail("flags " + Hex(entry.flags) + " have bits in the frame field (12-51)");
  }
  if ((entry.flags & kDomUBit) == 0) {
    throw reader.Fail("flags " + Hex(entry.flags) + " lack the DomU bit (bit 55)");
  }
  if ((entry.flags & kPtePresent) == 0) {
    throw reader.Fail("flags " + Hex(entry.flags) + " lack the present bit");
  }
  if ((entry.flags & kPteWritable) != 0) {
    throw reader.Fail("flags " + Hex(entry.flags) +
                      " make the mapping writable; DomU-bit entries are read-only");
  }
  return entry;
}

}  // namespace

std::vector<DomUBitEntry> ParseDomUBitRecord(std::string_view text, const std::string& what) {
  if (text.size() > kMaxDomUBitRecordBytes) {
    throw DomUBitRecordError(what + ": " + std::to_string(text.size()) + " bytes, more than the " +
                             std::to_string(kMaxDomUBitRecordBytes) + " accepted");
  }
  LineReader reader(text, what);
  auto header = reader.Next();
  if (!header) {
    throw DomUBitRecordError(what + ": empty file (expected '" + std::string(kHeader) + "')");
  }
  if (*header != kHeader) {
    if (header->substr(0, kHeaderWord.size() + 1) == std::string(kHeaderWord) + " ") {
      throw reader.Fail("unsupported record version '" +
                        std::string(header->substr(kHeaderWord.size() + 1, 16)) +
                        "' (this hook reads version 1)");
    }
    throw reader.Fail("not a DomU-bit record (expected '" + std::string(kHeader) + "')");
  }
  std::vector<DomUBitEntry> entries;
  std::set<std::pair<std::uint64_t, unsigned>> slots;
  while (auto line = reader.Next()) {
    if (entries.size() == kMaxDomUBitEntries) {
      throw reader.Fail("more than " + std::to_string(kMaxDomUBitEntries) + " entries");
    }
    DomUBitEntry entry = ParseEntry(*line, reader);
    if (!slots.emplace(entry.l1_mfn, entry.slot).second) {
      throw reader.Fail("slot " + std::to_string(entry.slot) + " of L1 table " + Hex(entry.l1_mfn) +
                        " appears twice");
    }
    entries.push_back(entry);
  }
  return entries;
}

std::optional<std::vector<DomUBitEntry>> ReadDomUBitRecordIfPresent(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.Valid()) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    ThrowErrno("opening DomU-bit record " + path);
  }
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0) {
    ThrowErrno("stat of DomU-bit record " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    throw DomUBitRecordError(path + ": not a regular file");
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.Get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ThrowErrno("reading DomU-bit record " + path);
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxDomUBitRecordBytes) {
      throw DomUBitRecordError(path + ": larger than the " +
                               std::to_string(kMaxDomUBitRecordBytes) + " bytes accepted");
    }
  }
  return ParseDomUBitRecord(text, path);
}

std::string DomUBitRecordPath(const std::string& run_dir, std::uint32_t domid) {
  return run_dir + "/domubit/" + std::to_string(domid);
}

DomUBitInstallPlan PlanDomUBitInstall(const std::vector<DomUBitEntry>& entries,
                                      std::uint64_t max_gpfn) {
  DomUBitInstallPlan plan;
  for (const DomUBitEntry& entry : entries) {
    (entry.gfn <= max_gpfn ? plan.accepted : plan.refused).push_back(entry);
  }
  return plan;
}

}  // namespace virdomm
