// The check: live kernel text/rodata against the baseline copy, page by page (memcmp on the
// hot path), every changed range classified and named. Frames stay mapped between checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/baseline.h"
#include "memory/change.h"
#include "memory/change_classifier.h"
#include "memory/guest_kernel_view.h"
#include "memory/guest_memory.h"
#include "memory/kernel_model.h"

namespace virdomm::monitor {

struct CheckReport {
  std::string time;
  std::string memory;
  std::string release;
  uint64_t text_physical = 0;
  Digest baseline_digest{};
  // Where the baseline came from: the running kernel at first sight, at this time, with this
  // many of its text pages equal to the trusted image (KernelBaseline).
  std::string baseline_created;
  std::size_t baseline_text_pages = 0;
  std::size_t baseline_text_pages_equal_image = 0;
  std::vector<Change> changes;
  // Jump-label flips held back by a watch until they last (JumpLabelSettling); not judged.
  std::vector<Change> settling;
  // DO_ONCE keys the kernel disabled since the baseline (IsOnceKeyDone); not changes.
  std::vector<Change> once_done;
  uint64_t bytes_compared = 0;
  uint64_t pages_compared = 0;
  uint64_t pages_changed = 0;
  // The module area's executable pages and their owners; hidden ones are also in `changes`.
  ModuleAreaScan module_area;
  double elapsed_ms = 0;
  [[nodiscard]] Severity Worst() const;
};

class MemoryChecker {
 public:
  // Throws Error when the baseline belongs to another kernel or another placement.
  MemoryChecker(GuestMemory& memory, const KernelModel& model, const KernelBaseline& baseline);
  CheckReport Check();

 private:
  struct WatchedRegion {
    const BaselineRegion* baseline = nullptr;
    uint64_t first_page = 0;  // link address of the first page touching the region
    FrameView frames;
  };
  void VerifyPlacement();
  void ScanModuleArea(CheckReport& report) const;

  // The banner's frames, mapped once like the regions': after a migration of the pair the
  // carried mappings are what works (the target's domid changes, a new mapping by the old one
  // fails), so a check never maps anything.
  FrameView banner_frames_;
  uint64_t banner_physical_ = 0;

  GuestMemory& memory_;
  const KernelModel& model_;
  const KernelBaseline& baseline_;
  Digest baseline_digest_{};
  ClassifyContext context_;
  GuestKernelView guest_view_;  // the module area, to name patch-site targets outside the image
  std::vector<WatchedRegion> regions_;
};

// Writes the live bytes of every acknowledgeable change into the baseline and records who/what
// was accepted. Returns how many changes were accepted; unknown changes are never accepted.
std::size_t AcknowledgeChanges(KernelBaseline& baseline, const std::vector<Change>& changes);

}  // namespace virdomm::monitor
