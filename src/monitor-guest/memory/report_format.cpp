// Text and JSON formatters over CheckReport and KernelPlacement values.
#include "memory/report_format.h"

#include <cctype>
#include <cstdio>
#include <sstream>

#include "common/hex.h"
#include "core/digest.h"

namespace virdomm::monitor {
namespace {

std::string SignedHex(const std::optional<int64_t>& value) {
  if (!value) {
    return "unknown";
  }
  return *value < 0 ? "-" + HexNumber(static_cast<uint64_t>(-*value))
                    : HexNumber(static_cast<uint64_t>(*value));
}

std::string Bytes(const std::vector<uint8_t>& bytes) {
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) {
      text += ' ';
    }
    text += HexNumber(bytes[i], 2).substr(2);
  }
  return text;
}

std::string OwnedPages(const ModuleAreaScan& scan, bool json) {
  std::string text;
  for (std::size_t i = 0; i < scan.owned_pages.size(); ++i) {
    std::string kind = ToString(static_cast<OwnerKind>(i));
    if (json) {
      std::string key;  // "kprobe slots" -> "kprobe_slots"
      for (char c : kind) {
        key += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      text += (i > 0 ? "," : "") + JsonQuote(key) + ":" + std::to_string(scan.owned_pages[i]);
    } else {
      text += (i > 0 ? ", " : "") + kind + " " + std::to_string(scan.owned_pages[i]);
    }
  }
  return text;
}

std::string ModuleAreaText(const ModuleAreaScan& scan) {
  if (scan.not_scanned) {
    return "module area not scanned for hidden code: " + *scan.not_scanned + "\n";
  }
  std::ostringstream out;
  out << "module area: " << scan.executable_pages << " executable pages ("
      << OwnedPages(scan, false) << "), " << scan.hidden_pages << " owned by nothing; "
      << scan.elapsed_ms << " ms\n";
  for (const std::string& gap : scan.gaps) {
    out << "  not read: " << gap << "\n";
  }
  return out.str();
}

std::string ModuleAreaJson(const ModuleAreaScan& scan) {
  std::ostringstream out;
  out << "{\"scanned\":" << (scan.not_scanned ? "false" : "true");
  if (scan.not_scanned) {
    out << ",\"reason\":" << JsonQuote(*scan.not_scanned);
  }
  out << ",\"executable_pages\":" << scan.executable_pages << ",\"owned_pages\":{"
      << OwnedPages(scan, true) << "},\"hidden_pages\":" << scan.hidden_pages
      << ",\"tables_read\":" << scan.tables_read << ",\"elapsed_ms\":" << scan.elapsed_ms
      << ",\"gaps\":[";
  for (std::size_t i = 0; i < scan.gaps.size(); ++i) {
    out << (i > 0 ? "," : "") << JsonQuote(scan.gaps[i]);
  }
  out << "]}";
  return out.str();
}

}  // namespace

std::string FormatCheckText(const CheckReport& report) {
  std::ostringstream out;
  out << "kernel " << report.release << " at " << HexNumber(report.text_physical) << " in "
      << report.memory << "\n";
  out << "compared " << report.bytes_compared << " bytes in " << report.pages_compared
      << " pages in " << report.elapsed_ms << " ms; baseline sha256 "
      << HexEncode(report.baseline_digest) << "\n";
  out << "baseline: the running kernel at first sight, " << report.baseline_created << "; "
      << report.baseline_text_pages_equal_image << " of " << report.baseline_text_pages
      << " text pages equal to the trusted image then\n";
  out << ModuleAreaText(report.module_area);
  if (!report.once_done.empty()) {
    out << report.once_done.size()
        << " one-time key(s) disabled since the baseline (DO_ONCE ran; Linux never re-enables "
           "them):";
    for (const Change& change : report.once_done) {
      out << " " << change.location;
    }
    out << "\n";
  }
  if (!report.settling.empty()) {
    out << report.settling.size()
        << " jump-label flip(s) settling: reported if they last (the kernel undoes some)\n";
  }
  if (report.changes.empty()) {
    out << (report.settling.empty() ? "clean: no change since the baseline\n"
                                    : "no change reported\n");
    return out.str();
  }
  out << report.changes.size() << " change(s), worst severity " << ToString(report.Worst()) << "\n";
  for (const Change& change : report.changes) {
    out << "  [" << ToString(change.GetSeverity()) << "] " << ToString(change.kind) << " "
        << change.region << " " << change.location << " (" << HexNumber(change.address) << ", pa "
        << HexNumber(change.physical) << ")\n";
    if (!change.old_bytes.empty()) {
      out << "      old: " << Bytes(change.old_bytes) << "\n";
      out << "      new: " << Bytes(change.new_bytes) << "\n";
    } else if (!change.new_bytes.empty()) {
      out << "      bytes: " << Bytes(change.new_bytes) << "\n";
    }
    if (!change.detail.empty()) {
      out << "      " << change.detail << "\n";
    }
    if (!change.target.empty()) {
      out << "      target: " << change.target << "\n";
    }
  }
  return out.str();
}

std::string FormatCheckJson(const CheckReport& report) {
  std::ostringstream out;
  out << "{\"time\":" << JsonQuote(report.time) << ",\"memory\":" << JsonQuote(report.memory)
      << ",\"release\":" << JsonQuote(report.release)
      << ",\"text_physical\":" << JsonQuote(HexNumber(report.text_physical))
      << ",\"baseline_sha256\":" << JsonQuote(HexEncode(report.baseline_digest))
      << ",\"baseline\":{\"origin\":\"first-sight\",\"taken\":"
      << JsonQuote(report.baseline_created) << ",\"text_pages\":" << report.baseline_text_pages
      << ",\"text_pages_equal_image\":" << report.baseline_text_pages_equal_image << "}"
      << ",\"bytes_compared\":" << report.bytes_compared
      << ",\"pages_compared\":" << report.pages_compared
      << ",\"pages_changed\":" << report.pages_changed << ",\"elapsed_ms\":" << report.elapsed_ms
      << ",\"module_area\":" << ModuleAreaJson(report.module_area)
      << ",\"severity\":" << JsonQuote(ToString(report.Worst())) << ",\"changes\":[";
  bool first = true;
  for (const Change& change : report.changes) {
    out << (first ? "" : ",") << "{\"kind\":" << JsonQuote(ToString(change.kind))
        << ",\"severity\":" << JsonQuote(ToString(change.GetSeverity()))
        << ",\"region\":" << JsonQuote(change.region)
        << ",\"location\":" << JsonQuote(change.location)
        << ",\"address\":" << JsonQuote(HexNumber(change.address))
        << ",\"physical\":" << JsonQuote(HexNumber(change.physical))
        << ",\"old\":" << JsonQuote(HexEncode(change.old_bytes))
        << ",\"new\":" << JsonQuote(HexEncode(change.new_bytes))
        << ",\"detail\":" << JsonQuote(change.detail);
    if (!change.target.empty()) {
      out << ",\"target\":" << JsonQuote(change.target);
    }
    if (change.target_address != 0) {
      out << ",\"target_address\":" << JsonQuote(HexNumber(change.target_address));
    }
    out << "}";
    first = false;
  }
  // Held-back jump-label flips: where they are, so a lasting one can be followed before it is
  // reported; they count for nothing else.
  out << "],\"settling\":[";
  first = true;
  for (const Change& change : report.settling) {
    out << (first ? "" : ",") << JsonQuote(change.location);
    first = false;
  }
  out << "],\"once_done\":[";
  first = true;
  for (const Change& change : report.once_done) {
    out << (first ? "" : ",") << JsonQuote(change.location);
    first = false;
  }
  out << "]}";
  return out.str();
}

std::string FormatLocateText(const KernelModel& model, const KernelPlacement& placement,
                             const std::string& memory) {
  std::ostringstream out;
  out << "memory:          " << memory << "\n";
  out << "kernel:          " << model.release << "\n";
  out << "banner:          " << placement.running_banner << "\n";
  out << "symbols:         " << model.symbols.Size() << " from " << ToString(model.symbols.Source())
      << "\n";
  out << "physical _text:  " << HexNumber(placement.text_physical) << " ("
      << (placement.text_physical >> 20) << " MiB)\n";
  out << "KASLR offset:    " << SignedHex(placement.virtual_offset) << " (virtual, from "
      << "sys_call_table)\n";
  for (const KernelRegion& region : model.regions) {
    out << "region " << region.name << ":"
        << std::string(9 - std::min<std::size_t>(9, region.name.size()), ' ')
        << HexNumber(region.start) << "-" << HexNumber(region.end) << " ("
        << (region.end - region.start) << " bytes)\n";
  }
  out << "text pages equal to the image: " << placement.text_pages_equal << " of "
      << placement.text_pages << "\n";
  out << "patch sites:     " << model.sites.Count(SiteKind::kJumpLabel) << " jump labels, "
      << model.sites.Count(SiteKind::kFtrace) << " ftrace, "
      << model.sites.Count(SiteKind::kStaticCall) << " static calls\n";
  return out.str();
}

std::string FormatLocateJson(const KernelModel& model, const KernelPlacement& placement,
                             const std::string& memory) {
  std::ostringstream out;
  out << "{\"memory\":" << JsonQuote(memory) << ",\"release\":" << JsonQuote(model.release)
      << ",\"banner\":" << JsonQuote(placement.running_banner)
      << ",\"symbols\":" << model.symbols.Size()
      << ",\"symbol_source\":" << JsonQuote(ToString(model.symbols.Source()))
      << ",\"text_physical\":" << JsonQuote(HexNumber(placement.text_physical))
      << ",\"virtual_offset\":" << JsonQuote(SignedHex(placement.virtual_offset))
      << ",\"text_pages\":" << placement.text_pages
      << ",\"text_pages_equal\":" << placement.text_pages_equal << ",\"regions\":[";
  bool first = true;
  for (const KernelRegion& region : model.regions) {
    out << (first ? "" : ",") << "{\"name\":" << JsonQuote(region.name)
        << ",\"start\":" << JsonQuote(HexNumber(region.start))
        << ",\"end\":" << JsonQuote(HexNumber(region.end)) << "}";
    first = false;
  }
  out << "]}";
  return out.str();
}

}  // namespace virdomm::monitor
