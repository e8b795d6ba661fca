// Extended attributes of an XFS inode (shortform in the inode, leaf and node blocks in the
// attribute fork, remote values), named as Linux lists them: user., trusted., security., and
// POSIX ACLs both as system.posix_acl_* (converted to the Linux xattr format) and as the raw
// trusted.SGI_ACL_* entries, as the kernel shows them to root.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "storage/xfs_bmap.h"

namespace virdomm::monitor {

struct XattrLimits {
  size_t max_bytes = 0;  // names + values
  size_t max_count = 0;
};

// Throws XfsFileError on damage or when the limits are exceeded.
std::map<std::string, std::string> ReadXfsXattrs(const XfsVolume& volume, const XfsInode& inode,
                                                 const XattrLimits& limits, XfsStepBudget& budget);

// XFS's on-disk ACL (big-endian count and entries) in the Linux xattr format; empty when the
// bytes are not a valid XFS ACL. Exposed for tests.
std::string XfsAclToLinuxXattr(const std::string& xfs_acl);

}  // namespace virdomm::monitor
