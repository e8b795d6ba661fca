// Save/write/restore of one domain's pairing metadata through virDomain{Get,Set}Metadata.
#include "libvirt/metadata_side.h"

namespace virdomm {

void LibvirtMetadataSide::Save() {
  scope_ = domain_.WriteScope();
  if (scope_ != MetadataScope::kConfig) {
    saved_live_ = domain_.GetPairingMetadata(MetadataScope::kLive);
  }
  if (scope_ != MetadataScope::kLive) {
    saved_config_ = domain_.GetPairingMetadata(MetadataScope::kConfig);
  }
}

void LibvirtMetadataSide::Write(const std::string& element_xml) {
  domain_.SetPairingMetadata(element_xml, scope_);
}

void LibvirtMetadataSide::Restore() {
  if (scope_ != MetadataScope::kConfig) {
    domain_.SetPairingMetadata(saved_live_, MetadataScope::kLive);
  }
  if (scope_ != MetadataScope::kLive) {
    domain_.SetPairingMetadata(saved_config_, MetadataScope::kConfig);
  }
}

}  // namespace virdomm
