// What the checker learns of the running guest kernel beyond its text and rodata, to name what
// patch sites branch to and to find code in the module area that nothing owns: the kernel's
// page tables (for the module area), ftrace's trampoline templates, and the lists of code
// owners, all located by the trusted image's symbols and read with its BTF's offsets.
#pragma once

#include <functional>
#include <memory>

#include "memory/baseline.h"
#include "memory/guest_memory.h"
#include "memory/hidden_code_scan.h"
#include "memory/kernel_address_space.h"
#include "memory/kernel_model.h"
#include "memory/patch_target.h"

namespace virdomm::monitor {

struct GuestKernelView {
  std::unique_ptr<KernelAddressSpace> module_area;  // null when the page tables are unusable
  TargetKnowledge knowledge;                        // refers to *module_area
  // Walks the module area's executable pages and their owners afresh (once per check).
  std::function<ModuleAreaScan()> scan_module_area;
};

// Never throws for what the guest holds: an unusable page table or module list is a reason in
// the knowledge. The page-table root is init_top_pgt (swapper_pg_dir), inside the image, so its
// frame follows from the baseline's placement.
GuestKernelView ViewGuestKernel(GuestMemory& memory, const KernelModel& model,
                                const KernelBaseline& baseline);

}  // namespace virdomm::monitor
