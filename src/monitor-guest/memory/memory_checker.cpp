// MemoryChecker: map once, memcmp per page, diff and classify only pages that differ.
#include "memory/memory_checker.h"

#include <chrono>
#include <cstring>

#include "common/error.h"
#include "common/hex.h"

namespace virdomm::monitor {

Severity CheckReport::Worst() const {
  Severity worst = Severity::kNone;
  for (const Change& change : changes) {
    worst = std::max(worst, change.GetSeverity());
  }
  return worst;
}

MemoryChecker::MemoryChecker(GuestMemory& memory, const KernelModel& model,
                             const KernelBaseline& baseline)
    : memory_(memory), model_(model), baseline_(baseline) {
  if (baseline.release != model.release || baseline.banner != model.banner ||
      baseline.text_link != model.text_link || baseline.regions.size() != model.regions.size()) {
    throw Error("the baseline (" + baseline.release +
                ") was taken for another kernel than the "
                "image given (" +
                model.release + ")");
  }
  for (std::size_t i = 0; i < model.regions.size(); ++i) {
    const KernelRegion& region = model.regions[i];
    const BaselineRegion& copy = baseline.regions[i];
    if (copy.name != region.name || copy.start != region.start || copy.End() != region.end) {
      throw Error("the baseline's region " + copy.name + " does not match the kernel image's");
    }
  }
  baseline_digest_ = baseline.ContentDigest();
  context_.symbols = &model.symbols;
  context_.sites = &model.sites;
  context_.sys_call_table = model.sys_call_table;
  context_.sys_call_entries = model.sys_call_table_entries;
  context_.virtual_offset = baseline.virtual_offset;
  banner_physical_ = baseline.text_physical + (model.banner_link - model.text_link);
  std::vector<uint64_t> banner_gfns;
  for (uint64_t gfn = banner_physical_ >> kPageShift;
       gfn <= (banner_physical_ + model.banner.size() - 1) >> kPageShift; ++gfn) {
    banner_gfns.push_back(gfn);
  }
  banner_frames_ = memory.MapFrames(banner_gfns);
  VerifyPlacement();
  guest_view_ = ViewGuestKernel(memory, model, baseline);
  for (const BaselineRegion& copy : baseline.regions) {
    WatchedRegion watched;
    watched.baseline = &copy;
    watched.first_page = copy.start & ~(kPageSize - 1);
    std::vector<uint64_t> gfns;
    for (uint64_t page = watched.first_page; page < copy.End(); page += kPageSize) {
      gfns.push_back((baseline.text_physical + (page - baseline.text_link)) >> kPageShift);
    }
    watched.frames = memory.MapFrames(gfns);
    regions_.push_back(std::move(watched));
  }
}

void MemoryChecker::VerifyPlacement() {
  std::vector<uint8_t> live(model_.banner.size());
  const uint64_t first_page = banner_physical_ & ~(kPageSize - 1);
  for (std::size_t done = 0; done < live.size();) {
    uint64_t gpa = banner_physical_ + done;
    std::size_t index = (gpa - first_page) >> kPageShift;
    const uint8_t* frame = banner_frames_.Frame(index);
    if (frame == nullptr) {
      throw Error("the kernel banner at the baseline's place cannot be read: frame " +
                  std::to_string(gpa >> kPageShift) + " of " + memory_.Describe() + ": " +
                  std::generic_category().message(banner_frames_.Error(index)));
    }
    std::size_t offset = gpa & (kPageSize - 1);
    std::size_t length = std::min<std::size_t>(kPageSize - offset, live.size() - done);
    std::memcpy(live.data() + done, frame + offset, length);
    done += length;
  }
  if (std::memcmp(live.data(), model_.banner.data(), live.size()) != 0) {
    throw Error("the kernel is no longer where the baseline found it in " + memory_.Describe() +
                " (the guest rebooted?): take a new baseline");
  }
}

CheckReport MemoryChecker::Check() {
  auto started = std::chrono::steady_clock::now();
  CheckReport report;
  report.time = UtcNow();
  report.memory = memory_.Describe();
  report.release = baseline_.release;
  report.text_physical = baseline_.text_physical;
  report.baseline_digest = baseline_digest_;
  report.baseline_created = baseline_.created;
  report.baseline_text_pages = baseline_.text_pages;
  report.baseline_text_pages_equal_image = baseline_.text_pages_equal_image;
  VerifyPlacement();
  for (const WatchedRegion& watched : regions_) {
    const BaselineRegion& copy = *watched.baseline;
    std::vector<uint8_t> live_copy;  // made only when a page differs
    std::vector<ByteRun> runs;
    for (std::size_t i = 0; i < watched.frames.Count(); ++i) {
      uint64_t page = watched.first_page + i * kPageSize;
      uint64_t low = std::max(page, copy.start);
      uint64_t high = std::min(page + kPageSize, copy.End());
      const uint8_t* frame = watched.frames.Frame(i);
      ++report.pages_compared;
      if (frame == nullptr) {
        Change change;
        change.kind = ChangeKind::kUnreadable;
        change.region = copy.name;
        change.address = low;
        change.physical = baseline_.text_physical + (low - baseline_.text_link);
        change.location = model_.symbols.Describe(low);
        change.detail =
            "frame unreadable: " + std::generic_category().message(watched.frames.Error(i));
        report.changes.push_back(std::move(change));
        continue;
      }
      const uint8_t* live = frame + (low - page);
      const uint8_t* old = copy.bytes.data() + (low - copy.start);
      report.bytes_compared += high - low;
      if (std::memcmp(live, old, high - low) == 0) {
        continue;
      }
      ++report.pages_changed;
      if (live_copy.empty()) {
        live_copy = copy.bytes;
      }
      std::memcpy(live_copy.data() + (low - copy.start), live, high - low);
      auto page_runs = DiffRuns(
          std::span(old, high - low),
          std::span<const uint8_t>(live_copy.data() + (low - copy.start), high - low), low);
      // A run that reaches the page end continues a run that started on the previous page.
      if (!runs.empty() && !page_runs.empty() && runs.back().end == page_runs.front().start) {
        runs.back().end = page_runs.front().end;
        page_runs.erase(page_runs.begin());
      }
      runs.insert(runs.end(), page_runs.begin(), page_runs.end());
    }
    if (runs.empty()) {
      continue;
    }
    RegionDiff diff{copy.name, copy.start, copy.bytes, live_copy};
    // A judge per check: what the guest's module list says is read afresh, once, if needed.
    PatchTargetJudge judge(guest_view_.knowledge);
    ClassifyContext context = context_;
    context.targets = &judge;
    for (Change& change : ClassifyRuns(diff, runs, context)) {
      change.physical = baseline_.text_physical + (change.address - baseline_.text_link);
      (IsOnceKeyDone(change) ? report.once_done : report.changes).push_back(std::move(change));
    }
  }
  ScanModuleArea(report);
  report.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

void MemoryChecker::ScanModuleArea(CheckReport& report) const {
  if (!guest_view_.scan_module_area) {
    report.module_area.not_scanned =
        "module area not readable: " + guest_view_.knowledge.module_area_unreadable;
    return;
  }
  report.module_area = guest_view_.scan_module_area();
  const ModuleAreaScan& scan = report.module_area;
  std::string gaps;
  for (const std::string& gap : scan.gaps) {
    gaps += "; not read: " + gap;
  }
  for (const HiddenCode& hidden : scan.hidden) {
    Change change;
    change.kind = ChangeKind::kHiddenCode;
    change.region = "module_area";
    change.address = hidden.range.start;
    change.physical = hidden.physical;
    change.location = HexNumber(hidden.range.start) + "-" + HexNumber(hidden.range.end);
    change.new_bytes = hidden.first_bytes;
    const uint64_t pages = (hidden.range.end - hidden.range.start) >> kPageShift;
    change.detail = std::to_string(pages) +
                    " executable page(s) owned by no listed module, kprobe slot page, BPF code, "
                    "ftrace trampoline or ITS thunk page" +
                    (hidden.bytes_unreadable.empty()
                         ? std::string()
                         : " (first bytes unreadable: " + hidden.bytes_unreadable + ")") +
                    gaps;
    report.changes.push_back(std::move(change));
  }
  if (scan.hidden_pages > 0 && scan.hidden.size() == kMaxHiddenRanges) {
    report.changes.back().detail += "; " + std::to_string(kMaxHiddenRanges) +
                                    " ranges reported of " + std::to_string(scan.hidden_pages) +
                                    " hidden pages";
  }
}

std::size_t AcknowledgeChanges(KernelBaseline& baseline, const std::vector<Change>& changes) {
  std::size_t accepted = 0;
  for (const Change& change : changes) {
    if (!IsAcknowledgeable(change.kind) || change.new_bytes.empty()) {
      continue;
    }
    for (BaselineRegion& region : baseline.regions) {
      if (change.address >= region.start &&
          change.address + change.new_bytes.size() <= region.End()) {
        std::memcpy(region.bytes.data() + (change.address - region.start), change.new_bytes.data(),
                    change.new_bytes.size());
        baseline.acknowledgements.push_back(Acknowledgement{UtcNow(), ToString(change.kind),
                                                            change.address, change.new_bytes.size(),
                                                            change.location});
        ++accepted;
        break;
      }
    }
  }
  return accepted;
}

}  // namespace virdomm::monitor
