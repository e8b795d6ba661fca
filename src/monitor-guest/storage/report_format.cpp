// Text and JSON renderings of a comparison report.
#include "storage/report_format.h"

#include <cstdio>

namespace virdomm::monitor {

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatReportText(const Report& report) {
  std::string out = "virdomm storage check of " + EscapeForDisplay(report.source) + "\n";
  out += "baseline of " + report.baseline_created + "; " + std::to_string(report.files_checked) +
         " files checked\n";
  for (const std::string& warning : report.warnings) out += "warning: " + warning + "\n";
  out += "summary: " + std::to_string(report.Count(DifferenceKind::kAdded)) + " added, " +
         std::to_string(report.Count(DifferenceKind::kRemoved)) + " removed, " +
         std::to_string(report.Count(DifferenceKind::kChanged)) + " changed\n";
  for (const Difference& d : report.differences) {
    char head[64];
    std::snprintf(head, sizeof head, "%-8s %-12s ", std::string(ToString(d.kind)).c_str(),
                  std::string(ToString(d.type)).c_str());
    out += head + EscapeForDisplay(d.path) + "\n";
    for (const AttributeChange& change : d.changes) {
      out += "    " + change.attribute + ": " + change.old_value + " -> " + change.new_value + "\n";
    }
  }
  return out;
}

std::string FormatReportJson(const Report& report) {
  std::string out = "{\"source\":" + JsonString(EscapeForDisplay(report.source));
  out += ",\"baseline_created\":" + JsonString(report.baseline_created);
  out += ",\"files_checked\":" + std::to_string(report.files_checked);
  out += ",\"summary\":{\"added\":" + std::to_string(report.Count(DifferenceKind::kAdded)) +
         ",\"removed\":" + std::to_string(report.Count(DifferenceKind::kRemoved)) +
         ",\"changed\":" + std::to_string(report.Count(DifferenceKind::kChanged)) + "}";
  out += ",\"exit_bits\":" + std::to_string(report.ExitBits());
  out += ",\"warnings\":[";
  for (size_t i = 0; i < report.warnings.size(); ++i) {
    out += (i ? "," : "") + JsonString(report.warnings[i]);
  }
  out += "],\"differences\":[";
  for (size_t i = 0; i < report.differences.size(); ++i) {
    const Difference& d = report.differences[i];
    out += i ? ",\n" : "\n";
    out += "{\"kind\":" + JsonString(ToString(d.kind)) +
           ",\"type\":" + JsonString(ToString(d.type)) +
           ",\"path\":" + JsonString(EscapeForDisplay(d.path)) + ",\"changes\":[";
    for (size_t k = 0; k < d.changes.size(); ++k) {
      const AttributeChange& c = d.changes[k];
      out += (k ? "," : "") + std::string("{\"attribute\":") + JsonString(c.attribute) +
             ",\"old\":" + JsonString(c.old_value) + ",\"new\":" + JsonString(c.new_value) + "}";
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace virdomm::monitor
