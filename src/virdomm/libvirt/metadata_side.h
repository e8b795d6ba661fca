// The libvirt-backed MetadataSide: saves and restores the live and the saved definition
// separately, so an undo puts back exactly what each held.
#pragma once

#include <optional>
#include <string>

#include "libvirt/connection.h"
#include "pairing/pair_transaction.h"

namespace virdomm {

class LibvirtMetadataSide : public MetadataSide {
 public:
  explicit LibvirtMetadataSide(Domain& domain) : domain_(domain) {}
  [[nodiscard]] std::string Name() const override { return domain_.Name(); }
  void Save() override;
  void Write(const std::string& element_xml) override;
  void Restore() override;

 private:
  Domain& domain_;
  MetadataScope scope_ = MetadataScope::kConfig;
  std::optional<std::string> saved_live_;
  std::optional<std::string> saved_config_;
};

}  // namespace virdomm
