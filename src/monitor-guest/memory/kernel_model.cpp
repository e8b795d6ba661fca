// Builds the KernelModel and cross-checks symbols against the image's own bytes.
#include "memory/kernel_model.h"

#include "common/error.h"
#include "memory/byte_reader.h"
#include "memory/kallsyms_decoder.h"

namespace virdomm::monitor {
namespace {

constexpr std::string_view kBannerPrefix = "Linux version ";
constexpr std::size_t kMaxBanner = 512;

SymbolTable SymbolsFromElf(const ElfImage& elf) {
  std::vector<KernelSymbol> symbols;
  for (const ElfSymbol& symbol : elf.ReadSymbols()) {
    char type = symbol.type == 2 /*STT_FUNC*/ ? 'T' : 'D';
    symbols.push_back(KernelSymbol{symbol.name, symbol.address, type});
  }
  return SymbolTable(std::move(symbols), SymbolSource::kElfSymtab);
}

uint64_t SymbolOr(const SymbolTable& symbols, const char* name, uint64_t fallback) {
  auto address = symbols.AddressOf(name);
  return address ? *address : fallback;
}

}  // namespace

std::span<const uint8_t> KernelModel::LinkBytes(uint64_t address, uint64_t length) const {
  return ElfImage(vmlinux).BytesAt(address, length);
}

KernelModel BuildKernelModel(VmlinuxBytes image, std::optional<SymbolTable> symbols) {
  KernelModel model;
  model.vmlinux = std::move(image.bytes);
  model.image_origin = image.origin;
  ElfImage elf(model.vmlinux);
  if (!symbols) {
    SymbolTable own = SymbolsFromElf(elf);
    symbols = own.Size() > 0 ? std::move(own) : DecodeKallsyms(elf).symbols;
  }
  model.symbols = std::move(*symbols);
  const SymbolTable& table = model.symbols;

  model.banner_link = table.RequireAddress("linux_banner");
  std::string_view banner = CStringAt(elf.BytesAt(model.banner_link, kMaxBanner), 0, kMaxBanner);
  if (banner.empty()) {
    // The banner may end less than kMaxBanner bytes before the end of its section.
    for (uint64_t length = kMaxBanner; length > kBannerPrefix.size() && banner.empty(); --length) {
      banner = CStringAt(elf.BytesAt(model.banner_link, length), 0, length);
    }
  }
  if (!banner.starts_with(kBannerPrefix)) {
    throw Error("the " + ToString(table.Source()) +
                " does not match the kernel image: linux_banner does not point at 'Linux "
                "version ...' in the image");
  }
  model.banner = std::string(banner);
  while (!model.banner.empty() && (model.banner.back() == '\n' || model.banner.back() == '\r')) {
    model.banner.pop_back();
  }
  std::string_view rest = std::string_view(model.banner).substr(kBannerPrefix.size());
  model.release = std::string(rest.substr(0, rest.find(' ')));

  model.text_link = table.RequireAddress("_text");
  const ElfSection* text = elf.FindSection(".text");
  const ElfSection* rodata = elf.FindSection(".rodata");
  if (text == nullptr || rodata == nullptr) {
    throw Error("kernel image has no .text or .rodata section");
  }
  KernelRegion text_region{"text", SymbolOr(table, "_stext", text->address),
                           SymbolOr(table, "_etext", text->address + text->size)};
  KernelRegion rodata_region{"rodata", SymbolOr(table, "__start_rodata", rodata->address),
                             SymbolOr(table, "__end_rodata", rodata->address + rodata->size)};
  for (const KernelRegion& region : {text_region, rodata_region}) {
    if (region.end <= region.start || region.start < model.text_link ||
        region.end - region.start > (uint64_t{256} << 20)) {
      throw Error("kernel region " + region.name + " has implausible bounds");
    }
    model.regions.push_back(region);
  }
  model.sys_call_table = SymbolOr(table, "sys_call_table", 0);
  if (model.sys_call_table != 0) {
    const KernelSymbol* after = nullptr;
    for (const KernelSymbol& symbol : table.ByAddress()) {
      if (symbol.address > model.sys_call_table) {
        after = &symbol;
        break;
      }
    }
    uint64_t end = after != nullptr ? after->address : model.sys_call_table + 8;
    model.sys_call_table_entries = std::min<uint64_t>((end - model.sys_call_table) / 8, 1024);
  }
  model.sites = ReadPatchSites(elf, table);
  return model;
}

KernelModel LoadKernelModel(const KernelSources& sources) {
  VmlinuxBytes image = LoadVmlinux(sources.kernel);
  std::optional<SymbolTable> symbols;
  if (sources.system_map) {
    symbols = LoadSystemMap(*sources.system_map);
  } else if (sources.symbols_elf) {
    std::vector<uint8_t> bytes = ReadWholeFile(*sources.symbols_elf, std::size_t{2} << 30);
    symbols = SymbolsFromElf(ElfImage(bytes));
    if (symbols->Size() == 0) {
      throw Error(sources.symbols_elf->string() + " has no symbol table (stripped)");
    }
  }
  try {
    return BuildKernelModel(std::move(image), std::move(symbols));
  } catch (const Error& error) {
    throw Error(sources.kernel.string() + ": " + error.what());
  }
}

}  // namespace virdomm::monitor
