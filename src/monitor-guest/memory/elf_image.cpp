// ELF64 parsing with every offset, size and count checked against the file before use.
#include "memory/elf_image.h"

#include <elf.h>

#include <cstring>
#include <limits>

#include "common/error.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

constexpr std::size_t kMaxSectionName = 256;
constexpr std::size_t kMaxSymbolName = 1024;

template <typename T>
T ReadStruct(std::span<const uint8_t> bytes, uint64_t offset, const char* what) {
  if (!RangeFits(offset, sizeof(T), bytes.size())) {
    throw Error(std::string("ELF: ") + what + " at offset " + std::to_string(offset) +
                " lies beyond the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  }
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

bool ElfSection::HasFileBytes() const { return type != SHT_NOBITS && type != SHT_NULL; }

ElfImage::ElfImage(std::span<const uint8_t> bytes) : bytes_(bytes) {
  auto header = ReadStruct<Elf64_Ehdr>(bytes, 0, "file header");
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    throw Error("ELF: no ELF magic at the start of the file");
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    throw Error("ELF: only 64-bit little-endian files are supported");
  }
  if (header.e_shentsize != sizeof(Elf64_Shdr)) {
    throw Error("ELF: section header entry size " + std::to_string(header.e_shentsize) +
                " is not " + std::to_string(sizeof(Elf64_Shdr)));
  }
  if (header.e_shnum == 0 || header.e_shstrndx >= header.e_shnum) {
    throw Error("ELF: no section headers or a bad section name table index");
  }
  uint64_t table_size = uint64_t{header.e_shnum} * sizeof(Elf64_Shdr);
  if (!RangeFits(header.e_shoff, table_size, bytes.size())) {
    throw Error("ELF: section header table (offset " + std::to_string(header.e_shoff) + ", " +
                std::to_string(header.e_shnum) + " entries) lies beyond the file");
  }
  std::vector<Elf64_Shdr> raw(header.e_shnum);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    raw[i] =
        ReadStruct<Elf64_Shdr>(bytes, header.e_shoff + i * sizeof(Elf64_Shdr), "section header");
  }
  const Elf64_Shdr& names = raw[header.e_shstrndx];
  if (names.sh_type == SHT_NOBITS || !RangeFits(names.sh_offset, names.sh_size, bytes.size())) {
    throw Error("ELF: section name table lies beyond the file");
  }
  auto name_table = bytes.subspan(names.sh_offset, names.sh_size);
  sections_.reserve(raw.size());
  for (const Elf64_Shdr& shdr : raw) {
    ElfSection section;
    section.name = std::string(CStringAt(name_table, shdr.sh_name, kMaxSectionName));
    section.type = shdr.sh_type;
    section.flags = shdr.sh_flags;
    section.address = shdr.sh_addr;
    section.offset = shdr.sh_offset;
    section.size = shdr.sh_size;
    section.link = shdr.sh_link;
    section.entry_size = shdr.sh_entsize;
    if (section.HasFileBytes() && !RangeFits(section.offset, section.size, bytes.size())) {
      throw Error("ELF: section '" + section.name + "' (offset " + std::to_string(section.offset) +
                  ", size " + std::to_string(section.size) + ") lies beyond the end of the file (" +
                  std::to_string(bytes.size()) + " bytes): truncated image?");
    }
    if (section.address > std::numeric_limits<uint64_t>::max() - section.size) {
      throw Error("ELF: section '" + section.name + "' wraps the address space");
    }
    sections_.push_back(std::move(section));
  }
}

const ElfSection* ElfImage::FindSection(const std::string& name) const {
  for (const ElfSection& section : sections_) {
    if (section.name == name) {
      return &section;
    }
  }
  return nullptr;
}

std::span<const uint8_t> ElfImage::BytesAt(uint64_t address, uint64_t length) const {
  for (const ElfSection& section : sections_) {
    if ((section.flags & SHF_ALLOC) == 0 || !section.HasFileBytes() || address < section.address) {
      continue;
    }
    uint64_t delta = address - section.address;
    if (RangeFits(delta, length, section.size)) {
      return bytes_.subspan(section.offset + delta, length);
    }
  }
  return {};
}

std::vector<ElfSymbol> ElfImage::ReadSymbols() const {
  std::vector<ElfSymbol> symbols;
  const ElfSection* symtab = nullptr;
  for (const ElfSection& section : sections_) {
    if (section.type == SHT_SYMTAB) {
      symtab = &section;
      break;
    }
  }
  if (symtab == nullptr) {
    return symbols;
  }
  if (symtab->link >= sections_.size() || symtab->entry_size != sizeof(Elf64_Sym)) {
    throw Error("ELF: .symtab has a bad string table link or entry size");
  }
  const ElfSection& strings = sections_[symtab->link];
  if (!strings.HasFileBytes()) {
    throw Error("ELF: .symtab's string table has no contents");
  }
  auto string_bytes = bytes_.subspan(strings.offset, strings.size);
  uint64_t count = symtab->size / sizeof(Elf64_Sym);
  symbols.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    auto sym = ReadStruct<Elf64_Sym>(bytes_, symtab->offset + i * sizeof(Elf64_Sym), "symbol");
    unsigned char type = ELF64_ST_TYPE(sym.st_info);
    if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF) {
      continue;
    }
    std::string_view name = CStringAt(string_bytes, sym.st_name, kMaxSymbolName);
    if (name.empty()) {
      continue;
    }
    symbols.push_back(ElfSymbol{std::string(name), sym.st_value, sym.st_size, type});
  }
  return symbols;
}

}  // namespace virdomm::monitor
