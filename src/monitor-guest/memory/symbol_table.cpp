// Sorted symbol vector plus a name index; System.map parsing with stub detection.
#include "memory/symbol_table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "common/error.h"
#include "common/hex.h"
#include "memory/kernel_image_file.h"

namespace virdomm::monitor {
namespace {

// Section markers and local labels make poor names for a changed byte; prefer real symbols.
bool IsPoorName(const std::string& name) {
  return name.starts_with("__start_") || name.starts_with("__stop_") ||
         name.starts_with("__end_") || name.starts_with(".L") || name.starts_with("__key.") ||
         name.starts_with("__UNIQUE_ID_");
}

// Which of several symbols at one address names it best: global names, then compat aliases
// (__ia32_sys_getpid next to __x64_sys_getpid), then local names, then section markers.
int NameRank(const KernelSymbol& symbol) {
  if (IsPoorName(symbol.name)) {
    return 3;
  }
  if (!std::isupper(static_cast<unsigned char>(symbol.type))) {
    return 2;
  }
  return symbol.name.starts_with("__ia32_") ? 1 : 0;
}

// A System.map with fewer symbols than this cannot be a real kernel's.
constexpr std::size_t kMinRealSystemMapSymbols = 1000;

}  // namespace

std::string ToString(SymbolSource source) {
  switch (source) {
    case SymbolSource::kSystemMap:
      return "System.map";
    case SymbolSource::kElfSymtab:
      return "ELF symbol table";
    case SymbolSource::kKallsyms:
      return "kallsyms";
  }
  return "unknown";
}

SymbolTable::SymbolTable(std::vector<KernelSymbol> symbols, SymbolSource source)
    : by_address_(std::move(symbols)), source_(source) {
  std::stable_sort(by_address_.begin(), by_address_.end(),
                   [](const KernelSymbol& a, const KernelSymbol& b) {
                     if (a.address != b.address) {
                       return a.address < b.address;
                     }
                     return NameRank(a) < NameRank(b);
                   });
  by_name_.reserve(by_address_.size());
  for (const KernelSymbol& symbol : by_address_) {
    by_name_.emplace(symbol.name, symbol.address);  // first wins: duplicates are static locals
  }
}

std::optional<uint64_t> SymbolTable::AddressOf(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) {
    return std::nullopt;
  }
  return it->second;
}

uint64_t SymbolTable::RequireAddress(std::string_view name) const {
  auto address = AddressOf(name);
  if (!address) {
    throw Error("kernel symbol '" + std::string(name) + "' not found in the " + ToString(source_) +
                " (" + std::to_string(Size()) + " symbols)");
  }
  return *address;
}

const KernelSymbol* SymbolTable::Containing(uint64_t address) const {
  auto it = std::upper_bound(
      by_address_.begin(), by_address_.end(), address,
      [](uint64_t value, const KernelSymbol& symbol) { return value < symbol.address; });
  if (it == by_address_.begin()) {
    return nullptr;
  }
  --it;
  // Among symbols at the same address the sort put real names first.
  uint64_t found = it->address;
  while (it != by_address_.begin() && std::prev(it)->address == found) {
    --it;
  }
  return &*it;
}

std::string SymbolTable::Describe(uint64_t address) const {
  const KernelSymbol* symbol = Containing(address);
  if (symbol == nullptr) {
    return HexNumber(address, 16);
  }
  return symbol->name + "+" + HexNumber(address - symbol->address);
}

SymbolTable ParseSystemMap(std::string_view text) {
  std::vector<KernelSymbol> symbols;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty()) {
      continue;
    }
    std::size_t first_space = line.find(' ');
    if (first_space == std::string_view::npos || first_space + 3 > line.size() ||
        line[first_space + 2] != ' ') {
      throw Error("System.map line " + std::to_string(line_number) +
                  ": expected 'ADDRESS TYPE NAME'");
    }
    KernelSymbol symbol;
    auto address_text = line.substr(0, first_space);
    auto [ptr, ec] = std::from_chars(address_text.data(), address_text.data() + address_text.size(),
                                     symbol.address, 16);
    if (ec != std::errc() || ptr != address_text.data() + address_text.size()) {
      throw Error("System.map line " + std::to_string(line_number) + ": bad address '" +
                  std::string(address_text) + "'");
    }
    symbol.type = line[first_space + 1];
    symbol.name = std::string(line.substr(first_space + 3));
    if (symbol.name.find_first_of(" \t") != std::string::npos) {
      if (symbol.name.find("System.map") != std::string::npos) {
        throw Error("System.map is a stub (" + symbol.name +
                    "); give the -dbg package's System.map or vmlinux, or no System.map to use "
                    "kallsyms");
      }
      throw Error("System.map line " + std::to_string(line_number) + ": bad symbol name");
    }
    symbols.push_back(std::move(symbol));
  }
  if (symbols.size() < kMinRealSystemMapSymbols) {
    throw Error("System.map has only " + std::to_string(symbols.size()) +
                " symbols: a stub or not a kernel's map");
  }
  return SymbolTable(std::move(symbols), SymbolSource::kSystemMap);
}

SymbolTable LoadSystemMap(const std::filesystem::path& path) {
  std::vector<uint8_t> bytes = ReadWholeFile(path, std::size_t{256} << 20);
  try {
    return ParseSystemMap(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const Error& error) {
    throw Error(path.string() + ": " + error.what());
  }
}

}  // namespace virdomm::monitor
