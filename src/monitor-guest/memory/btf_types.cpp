// BTF layout (include/uapi/linux/btf.h): a header, then types (a 12-byte btf_type each, followed
// by data whose size depends on the kind), then NUL-terminated names.
#include "memory/btf_types.h"

#include "common/error.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

constexpr uint16_t kMagic = 0xeb9f;
constexpr std::size_t kMaxTypes = 1U << 21;
constexpr std::size_t kMaxName = 256;
constexpr unsigned kMaxDepth = 16;  // typedef/qualifier chains and path components

enum Kind : unsigned {
  kInt = 1,
  kPtr,
  kArray,
  kStruct,
  kUnion,
  kEnum,
  kFwd,
  kTypedef,
  kVolatile,
  kConst,
  kRestrict,
  kFunc,
  kFuncProto,
  kVar,
  kDatasec,
  kFloat,
  kDeclTag,
  kTypeTag,
  kEnum64,
};

uint64_t ExtraSize(unsigned kind, uint32_t vlen) {
  switch (kind) {
    case kInt:
    case kVar:
    case kDeclTag:
      return 4;
    case kArray:
      return 12;
    case kStruct:
    case kUnion:
    case kDatasec:
    case kEnum64:
      return uint64_t{12} * vlen;
    case kEnum:
    case kFuncProto:
      return uint64_t{8} * vlen;
    case kPtr:
    case kFwd:
    case kTypedef:
    case kVolatile:
    case kConst:
    case kRestrict:
    case kFunc:
    case kFloat:
    case kTypeTag:
      return 0;
    default:
      throw Error("BTF: unknown type kind " + std::to_string(kind));
  }
}

}  // namespace

BtfTypes::BtfTypes(std::span<const uint8_t> section) : bytes_(section) {
  if (ReadLe<uint16_t>(section, 0, "BTF magic") != kMagic) {
    throw Error("BTF: bad magic");
  }
  uint64_t header = ReadLe<uint32_t>(section, 4, "BTF hdr_len");
  uint64_t type_off = ReadLe<uint32_t>(section, 8, "BTF type_off");
  uint64_t type_len = ReadLe<uint32_t>(section, 12, "BTF type_len");
  uint64_t str_off = ReadLe<uint32_t>(section, 16, "BTF str_off");
  uint64_t str_len = ReadLe<uint32_t>(section, 20, "BTF str_len");
  if (header < 24 || !RangeFits(header + type_off, type_len, section.size()) ||
      !RangeFits(header + str_off, str_len, section.size())) {
    throw Error("BTF: sections out of bounds");
  }
  strings_ = header + str_off;
  strings_length_ = str_len;
  uint64_t at = header + type_off;
  const uint64_t end = at + type_len;
  while (at < end) {
    if (types_.size() >= kMaxTypes || !RangeFits(at, 12, end)) {
      throw Error("BTF: type table malformed at offset " + std::to_string(at));
    }
    Type type;
    type.name = ReadLe<uint32_t>(section, at, "btf_type.name_off");
    uint32_t info = ReadLe<uint32_t>(section, at + 4, "btf_type.info");
    type.vlen = info & 0xffff;
    type.kind = (info >> 24) & 0x1f;
    type.kind_flag = (info >> 31) != 0;
    type.size_or_type = ReadLe<uint32_t>(section, at + 8, "btf_type.size");
    type.extra = at + 12;
    at = type.extra + ExtraSize(type.kind, type.vlen);
    if (at > end) {
      throw Error("BTF: type " + std::to_string(types_.size() + 1) + " runs past the table");
    }
    types_.push_back(type);
  }
}

std::string_view BtfTypes::Name(uint32_t offset) const {
  if (offset >= strings_length_) {
    return {};
  }
  return CStringAt(bytes_.subspan(strings_, strings_length_), offset, kMaxName);
}

const BtfTypes::Type* BtfTypes::At(uint32_t id) const {
  return id == 0 || id > types_.size() ? nullptr : &types_[id - 1];
}

const BtfTypes::Type* BtfTypes::Resolve(uint32_t id) const {
  const Type* type = At(id);
  for (unsigned depth = 0; type != nullptr && depth < kMaxDepth; ++depth) {
    if (type->kind != kTypedef && type->kind != kVolatile && type->kind != kConst &&
        type->kind != kRestrict && type->kind != kTypeTag) {
      return type;
    }
    type = At(type->size_or_type);
  }
  return nullptr;
}

const BtfTypes::Type* BtfTypes::Struct(std::string_view name) const {
  for (const Type& type : types_) {
    if (type.kind == kStruct && type.vlen > 0 && Name(type.name) == name) {
      return &type;
    }
  }
  return nullptr;
}

std::optional<uint64_t> BtfTypes::SizeOf(std::string_view struct_name) const {
  const Type* type = Struct(struct_name);
  if (type == nullptr) {
    return std::nullopt;
  }
  return type->size_or_type;
}

std::optional<uint64_t> BtfTypes::OffsetOf(std::string_view struct_name,
                                           std::string_view path) const {
  const Type* current = Struct(struct_name);
  uint64_t offset = 0;
  for (unsigned depth = 0; current != nullptr && depth < kMaxDepth; ++depth) {
    std::size_t dot = path.find('.');
    std::string_view member = path.substr(0, dot);
    if (current->kind != kStruct && current->kind != kUnion) {
      return std::nullopt;
    }
    const Type* next = nullptr;
    bool found = false;
    for (uint32_t i = 0; i < current->vlen && !found; ++i) {
      uint64_t at = current->extra + uint64_t{12} * i;
      if (Name(ReadLe<uint32_t>(bytes_, at, "btf_member.name_off")) != member) {
        continue;
      }
      uint32_t bits = ReadLe<uint32_t>(bytes_, at + 8, "btf_member.offset");
      if (current->kind_flag) {
        bits &= 0xffffff;  // the top byte is a bitfield's width
      }
      if (bits % 8 != 0) {
        return std::nullopt;  // a bitfield has no byte offset
      }
      offset += bits / 8;
      next = Resolve(ReadLe<uint32_t>(bytes_, at + 4, "btf_member.type"));
      found = true;
    }
    if (!found) {
      return std::nullopt;
    }
    if (dot == std::string_view::npos) {
      return offset;
    }
    if (next != nullptr && next->kind == kArray) {
      next = Resolve(ReadLe<uint32_t>(bytes_, next->extra, "btf_array.type"));  // element 0
    }
    current = next;
    path = path.substr(dot + 1);
  }
  return std::nullopt;
}

}  // namespace virdomm::monitor
