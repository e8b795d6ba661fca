// Baseline capture and the signed file: text header ("key value" lines up to "end"), raw region
// bytes, HMAC-SHA256 trailer. Nothing is parsed before the MAC checks out.
#include "memory/baseline.h"

#include <charconv>
#include <cstring>
#include <ctime>
#include <sstream>

#include "common/durable_file.h"
#include "common/error.h"
#include "common/hex.h"
#include "core/signing_key.h"
#include "memory/kernel_image_file.h"

namespace virdomm::monitor {
namespace {

constexpr std::string_view kMagic = "VIRDOMM-MEMORY-BASELINE 1\n";
constexpr std::size_t kMaxHeader = std::size_t{1} << 20;
constexpr std::size_t kMaxBaselineFile = std::size_t{1} << 30;

// Values are single-line; escape what would break the line format.
std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[i + 1] == 'n' ? '\n' : text[i + 1];
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

uint64_t ParseNumber(std::string_view text, const char* what) {
  int base = 10;
  if (text.starts_with("0x")) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw BaselineError(std::string("baseline: bad ") + what + " '" + std::string(text) + "'");
  }
  return value;
}

std::vector<std::string_view> SplitWords(std::string_view line, std::size_t max_words) {
  std::vector<std::string_view> words;
  while (!line.empty() && words.size() + 1 < max_words) {
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      break;
    }
    words.push_back(line.substr(0, space));
    line.remove_prefix(space + 1);
  }
  words.push_back(line);
  return words;
}

}  // namespace

Digest KernelBaseline::ContentDigest() const {
  Sha256 hasher;
  for (const BaselineRegion& region : regions) {
    hasher.Update(region.bytes);
  }
  return hasher.Finish();
}

uint64_t KernelBaseline::Bytes() const {
  uint64_t total = 0;
  for (const BaselineRegion& region : regions) {
    total += region.bytes.size();
  }
  return total;
}

KernelBaseline TakeBaseline(GuestMemory& memory, const KernelModel& model,
                            const KernelPlacement& placement) {
  KernelBaseline baseline;
  baseline.banner = model.banner;
  baseline.release = model.release;
  baseline.text_physical = placement.text_physical;
  baseline.virtual_offset = placement.virtual_offset;
  baseline.text_link = model.text_link;
  baseline.created = UtcNow();
  baseline.text_pages = placement.text_pages;
  baseline.text_pages_equal_image = placement.text_pages_equal;
  for (const KernelRegion& region : model.regions) {
    BaselineRegion copy{region.name, region.start, std::vector<uint8_t>(region.end - region.start)};
    ReadPhysical(memory, placement.PhysicalOf(region.start, model.text_link), copy.bytes);
    baseline.regions.push_back(std::move(copy));
  }
  return baseline;
}

std::vector<uint8_t> SerializeBaseline(const KernelBaseline& baseline,
                                       std::span<const uint8_t> key) {
  std::ostringstream header;
  header << kMagic;
  header << "banner " << Escape(baseline.banner) << "\n";
  header << "release " << Escape(baseline.release) << "\n";
  header << "created " << baseline.created << "\n";
  header << "text-physical " << HexNumber(baseline.text_physical) << "\n";
  header << "text-link " << HexNumber(baseline.text_link) << "\n";
  header << "image-pages " << baseline.text_pages_equal_image << " " << baseline.text_pages << "\n";
  if (baseline.virtual_offset) {
    header << "virtual-offset " << HexNumber(static_cast<uint64_t>(*baseline.virtual_offset))
           << "\n";
  }
  for (const BaselineRegion& region : baseline.regions) {
    header << "region " << region.name << " " << HexNumber(region.start) << " "
           << region.bytes.size() << "\n";
  }
  for (const Acknowledgement& ack : baseline.acknowledgements) {
    header << "ack " << ack.time << " " << ack.kind << " " << HexNumber(ack.address) << " "
           << ack.length << " " << Escape(ack.location) << "\n";
  }
  header << "end\n";
  std::string text = header.str();
  std::vector<uint8_t> file(text.begin(), text.end());
  for (const BaselineRegion& region : baseline.regions) {
    file.insert(file.end(), region.bytes.begin(), region.bytes.end());
  }
  HmacSha256 mac(key);
  mac.Update(file);
  Digest tag = mac.Finish();
  file.insert(file.end(), tag.begin(), tag.end());
  return file;
}

KernelBaseline ParseBaseline(std::span<const uint8_t> file, std::span<const uint8_t> key) {
  Digest tag{};
  if (file.size() < kMagic.size() + tag.size() ||
      std::memcmp(file.data(), kMagic.data(), kMagic.size()) != 0) {
    throw BaselineError("baseline: not a virdomm memory baseline file");
  }
  auto body = file.first(file.size() - tag.size());
  std::memcpy(tag.data(), file.data() + body.size(), tag.size());
  HmacSha256 mac(key);
  mac.Update(body);
  if (!DigestsEqual(mac.Finish(), tag)) {
    throw BaselineError("baseline: signature does not verify (file altered, or another key)");
  }
  std::string_view text(reinterpret_cast<const char*>(body.data()),
                        std::min(body.size(), kMaxHeader));
  std::size_t end = text.find("\nend\n");
  if (end == std::string_view::npos) {
    throw BaselineError("baseline: header has no end line");
  }
  std::string_view header = text.substr(kMagic.size(), end + 1 - kMagic.size());
  uint64_t data_at = end + 5;
  KernelBaseline baseline;
  uint64_t data_needed = 0;
  while (!header.empty()) {
    std::size_t newline = header.find('\n');
    std::string_view line = header.substr(0, newline);
    header.remove_prefix(newline + 1);
    auto words = SplitWords(line, 2);
    std::string_view name = words[0];
    std::string_view value = words.size() > 1 ? words[1] : std::string_view{};
    if (name == "banner") {
      baseline.banner = Unescape(value);
    } else if (name == "release") {
      baseline.release = Unescape(value);
    } else if (name == "created") {
      baseline.created = std::string(value);
    } else if (name == "text-physical") {
      baseline.text_physical = ParseNumber(value, "text-physical");
    } else if (name == "text-link") {
      baseline.text_link = ParseNumber(value, "text-link");
    } else if (name == "image-pages") {
      auto fields = SplitWords(value, 2);
      if (fields.size() != 2) {
        throw BaselineError("baseline: bad image-pages line");
      }
      baseline.text_pages_equal_image = ParseNumber(fields[0], "image-pages");
      baseline.text_pages = ParseNumber(fields[1], "image-pages");
      if (baseline.text_pages_equal_image > baseline.text_pages) {
        throw BaselineError("baseline: more text pages equal to the image than text pages");
      }
    } else if (name == "virtual-offset") {
      baseline.virtual_offset = static_cast<int64_t>(ParseNumber(value, "virtual-offset"));
    } else if (name == "region") {
      auto fields = SplitWords(value, 3);
      if (fields.size() != 3) {
        throw BaselineError("baseline: bad region line");
      }
      uint64_t size = ParseNumber(fields[2], "region size");
      if (size > kMaxBaselineFile || data_needed + size > body.size()) {
        throw BaselineError("baseline: region sizes exceed the file");
      }
      data_needed += size;
      baseline.regions.push_back(BaselineRegion{std::string(fields[0]),
                                                ParseNumber(fields[1], "region start"),
                                                std::vector<uint8_t>(size)});
    } else if (name == "ack") {
      auto fields = SplitWords(value, 5);
      if (fields.size() != 5) {
        throw BaselineError("baseline: bad ack line");
      }
      baseline.acknowledgements.push_back(Acknowledgement{
          std::string(fields[0]), std::string(fields[1]), ParseNumber(fields[2], "ack address"),
          ParseNumber(fields[3], "ack length"), Unescape(fields[4])});
    } else {
      throw BaselineError("baseline: unknown header line '" + std::string(name) + "'");
    }
  }
  if (body.size() - data_at != data_needed) {
    throw BaselineError("baseline: region bytes do not match the header's sizes");
  }
  for (BaselineRegion& region : baseline.regions) {
    std::memcpy(region.bytes.data(), body.data() + data_at, region.bytes.size());
    data_at += region.bytes.size();
  }
  return baseline;
}

void SaveBaseline(const std::filesystem::path& path, const KernelBaseline& baseline,
                  std::span<const uint8_t> key) {
  std::vector<uint8_t> file = SerializeBaseline(baseline, key);
  WriteFileDurably(path, std::string_view(reinterpret_cast<const char*>(file.data()), file.size()),
                   0600);
}

KernelBaseline LoadBaseline(const std::filesystem::path& path, std::span<const uint8_t> key) {
  std::vector<uint8_t> file = ReadWholeFile(path, kMaxBaselineFile);
  try {
    return ParseBaseline(file, key);
  } catch (const BaselineError& error) {
    throw BaselineError(path.string() + ": " + error.what());
  }
}

}  // namespace virdomm::monitor
