// A strictly bounds-checked reader of 64-bit little-endian ELF files (the kernel's vmlinux):
// section headers, section names, the symbol table when present, link address → bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace virdomm::monitor {

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t address = 0;  // link-time virtual address
  uint64_t offset = 0;   // file offset of the contents (meaningless for SHT_NOBITS)
  uint64_t size = 0;
  uint32_t link = 0;
  uint64_t entry_size = 0;
  [[nodiscard]] bool HasFileBytes() const;  // PROGBITS-like: contents are in the file
};

struct ElfSymbol {
  std::string name;
  uint64_t address = 0;
  uint64_t size = 0;
  unsigned char type = 0;  // STT_*
};

// Parsed view over an ELF file held in memory. The bytes are owned by the caller and must
// outlive the view.
class ElfImage {
 public:
  // Throws Error naming the first malformed field. Accepts only ELFCLASS64, ELFDATA2LSB.
  explicit ElfImage(std::span<const uint8_t> bytes);

  [[nodiscard]] std::span<const uint8_t> Bytes() const { return bytes_; }
  [[nodiscard]] const std::vector<ElfSection>& Sections() const { return sections_; }
  [[nodiscard]] const ElfSection* FindSection(const std::string& name) const;

  // Contents of [address, address + length) from the allocated section that holds it;
  // empty when no section in the file holds the whole range.
  [[nodiscard]] std::span<const uint8_t> BytesAt(uint64_t address, uint64_t length) const;

  // Entries of .symtab (function, object and untyped symbols with a name); empty if stripped.
  [[nodiscard]] std::vector<ElfSymbol> ReadSymbols() const;

 private:
  std::span<const uint8_t> bytes_;
  std::vector<ElfSection> sections_;
};

}  // namespace virdomm::monitor
