// Kernel symbols at link-time addresses: lookup by name, and "symbol+offset" for any address.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace virdomm::monitor {

struct KernelSymbol {
  std::string name;
  uint64_t address = 0;
  char type = '?';  // nm-style type letter: T t D d R r B b A ...
};

// Where the symbols came from; printed in reports so a reader knows how far to trust them.
enum class SymbolSource { kSystemMap, kElfSymtab, kKallsyms };
std::string ToString(SymbolSource source);

class SymbolTable {
 public:
  SymbolTable() = default;
  SymbolTable(std::vector<KernelSymbol> symbols, SymbolSource source);

  [[nodiscard]] std::size_t Size() const { return by_address_.size(); }
  [[nodiscard]] SymbolSource Source() const { return source_; }
  [[nodiscard]] std::optional<uint64_t> AddressOf(std::string_view name) const;
  // Throws Error naming the missing symbol.
  [[nodiscard]] uint64_t RequireAddress(std::string_view name) const;

  // The symbol with the highest address <= `address` (ties: the first by name order of
  // insertion that is not a section marker), or nullptr when below all symbols.
  [[nodiscard]] const KernelSymbol* Containing(uint64_t address) const;
  // "name+0xoff" or "0xADDRESS" when no symbol precedes it.
  [[nodiscard]] std::string Describe(uint64_t address) const;
  [[nodiscard]] const std::vector<KernelSymbol>& ByAddress() const { return by_address_; }

 private:
  std::vector<KernelSymbol> by_address_;
  std::unordered_map<std::string, uint64_t> by_name_;
  SymbolSource source_ = SymbolSource::kKallsyms;
};

// Parses "ADDRESS TYPE NAME" lines. Throws Error for a stub (Debian ships one that says "the
// real System.map is in the -dbg package") or a malformed file.
SymbolTable ParseSystemMap(std::string_view text);
SymbolTable LoadSystemMap(const std::filesystem::path& path);

}  // namespace virdomm::monitor
