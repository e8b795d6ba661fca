// libFuzzer target over everything the memory checker parses from untrusted bytes: kernel
// images (bzImage header, ELF), kallsyms tables, System.map text and baseline files.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "memory/baseline.h"
#include "memory/elf_image.h"
#include "memory/kallsyms_decoder.h"
#include "memory/kernel_image_file.h"
#include "memory/symbol_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace virdomm::monitor;
  std::span<const uint8_t> input(data, size);
  try {
    VmlinuxBytes vmlinux = ExtractVmlinux(input, std::size_t{16} << 20);
    ElfImage elf(vmlinux.bytes);
    (void)elf.ReadSymbols();
    for (const ElfSection& section : elf.Sections()) {
      (void)elf.BytesAt(section.address, section.size);
    }
  } catch (const virdomm::Error&) {
  }
  try {
    (void)DecodeKallsyms(input);
  } catch (const virdomm::Error&) {
  }
  try {
    (void)ParseSystemMap(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const virdomm::Error&) {
  }
  try {
    static const std::vector<uint8_t> kKey(32, 0x42);
    (void)ParseBaseline(input, kKey);
  } catch (const virdomm::Error&) {
  }
  return 0;
}
