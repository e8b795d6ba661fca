// The kernel's BPF Type Format (vmlinux's .BTF section, in the image's rodata): just enough to
// find member offsets of a struct by name, so that guest structures (struct module) are read at
// the offsets of the very build that runs rather than at guessed ones.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm::monitor {

class BtfTypes {
 public:
  // Throws Error naming the first malformed field; every offset and count is checked.
  explicit BtfTypes(std::span<const uint8_t> section);

  [[nodiscard]] std::size_t Count() const { return types_.size(); }
  // Byte offset of a member path in a struct: "list", "core_layout.base", "mem.base" (an array
  // member names its element 0). Typedefs and qualifiers are looked through.
  [[nodiscard]] std::optional<uint64_t> OffsetOf(std::string_view struct_name,
                                                 std::string_view path) const;
  // sizeof(struct name), for arrays of it ("mem[MOD_INIT_TEXT]").
  [[nodiscard]] std::optional<uint64_t> SizeOf(std::string_view struct_name) const;

 private:
  struct Type {
    uint32_t name = 0;  // offset in the string section
    unsigned kind = 0;
    bool kind_flag = false;
    uint32_t vlen = 0;
    uint32_t size_or_type = 0;
    uint64_t extra = 0;  // offset of the kind-specific data in the section
  };
  [[nodiscard]] std::string_view Name(uint32_t offset) const;
  [[nodiscard]] const Type* At(uint32_t id) const;
  [[nodiscard]] const Type* Resolve(uint32_t id) const;           // through typedefs and qualifiers
  [[nodiscard]] const Type* Struct(std::string_view name) const;  // the first with members

  std::span<const uint8_t> bytes_;
  uint64_t strings_ = 0;
  uint64_t strings_length_ = 0;
  std::vector<Type> types_;  // id 1 is types_[0]
};

}  // namespace virdomm::monitor
