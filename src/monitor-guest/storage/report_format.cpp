// Text and JSON renderings of a comparison report.
#include "storage/report_format.h"

#include <cstdio>

namespace virdomm::monitor {

std::string FormatReportText(const Report& report) {
  std::string out = "virdomm storage check of " + EscapeForDisplay(report.source) + "\n";
  out += "baseline of " + report.baseline_created + "; " + std::to_string(report.files_checked) +
         " files checked\n";
  if (report.journal.replayed) {
    out += "journal: replayed " + std::to_string(report.journal.transactions) +
           " committed transactions, " + std::to_string(report.journal.blocks) + " blocks\n";
  }
  for (const std::string& warning : report.warnings) out += "warning: " + warning + "\n";
  out += "summary: " + std::to_string(report.Count(DifferenceKind::kAdded)) + " added, " +
         std::to_string(report.Count(DifferenceKind::kRemoved)) + " removed, " +
         std::to_string(report.Count(DifferenceKind::kChanged)) + " changed\n";
  for (const Difference& d : report.differences) {
    char head[64];
    (void)std::snprintf(head, sizeof head, "%-8s %-12s ", std::string(ToString(d.kind)).c_str(),
                        std::string(ToString(d.type)).c_str());
    out += head + EscapeForDisplay(d.path) + "\n";
    for (const AttributeChange& change : d.changes) {
      out += "    " + change.attribute + ": " + change.old_value + " -> " + change.new_value + "\n";
    }
  }
  return out;
}

std::string FormatReportJson(const Report& report) {
  std::string out = "{\"source\":" + JsonQuote(EscapeForDisplay(report.source));
  out += ",\"baseline_created\":" + JsonQuote(report.baseline_created);
  out += ",\"files_checked\":" + std::to_string(report.files_checked);
  out += ",\"summary\":{\"added\":" + std::to_string(report.Count(DifferenceKind::kAdded)) +
         ",\"removed\":" + std::to_string(report.Count(DifferenceKind::kRemoved)) +
         ",\"changed\":" + std::to_string(report.Count(DifferenceKind::kChanged)) + "}";
  out += ",\"exit_bits\":" + std::to_string(report.ExitBits());
  if (report.journal.replayed) {
    out += ",\"journal\":{\"transactions\":" + std::to_string(report.journal.transactions) +
           ",\"blocks\":" + std::to_string(report.journal.blocks) + "}";
  }
  out += ",\"warnings\":[";
  for (size_t i = 0; i < report.warnings.size(); ++i) {
    out += (i ? "," : "") + JsonQuote(report.warnings[i]);
  }
  out += "],\"differences\":[";
  for (size_t i = 0; i < report.differences.size(); ++i) {
    const Difference& d = report.differences[i];
    out += i ? ",\n" : "\n";
    out += "{\"kind\":" + JsonQuote(ToString(d.kind)) + ",\"type\":" + JsonQuote(ToString(d.type)) +
           ",\"path\":" + JsonQuote(EscapeForDisplay(d.path)) + ",\"changes\":[";
    for (size_t k = 0; k < d.changes.size(); ++k) {
      const AttributeChange& c = d.changes[k];
      out += (k ? "," : "") + std::string("{\"attribute\":") + JsonQuote(c.attribute) +
             ",\"old\":" + JsonQuote(c.old_value) + ",\"new\":" + JsonQuote(c.new_value) + "}";
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace virdomm::monitor
