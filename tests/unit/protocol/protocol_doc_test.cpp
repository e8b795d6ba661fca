// PROTOCOL.md is where people read the protocol; the header is what the code uses. These
// tests keep the two naming the same keys and values.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "common/protocol/binding_state.h"
#include "common/protocol/monitor_settings.h"
#include "common/protocol/xenstore_keys.h"
#include "source_text.h"

namespace virdomm::protocol::test {
namespace {

// The key tables of PROTOCOL.md: each documented key's path relative to Domain M's home, with
// the row's value column. A table's keys are relative to the last `/local/domain/<M>/...` path
// named before it, in prose ("Under Domain M's home, `/local/domain/<M>/virdomm/`:") or in the
// table's header ("key (under `/local/domain/<M>/`)").
std::map<std::string, std::string> DocumentedKeys(const std::string& doc) {
  static const std::regex kDirectory("`/local/domain/<M>/([a-z/-]*)`");
  static const std::regex kKeyRow(R"(^\| `([^`]+)` \|(.*)$)");
  std::map<std::string, std::string> keys;
  std::string directory;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_search(line, match, kKeyRow)) {
      keys[directory + match[1].str()] = match[2].str();
    } else if (std::regex_search(line, match, kDirectory)) {
      directory = match[1].str();
    }
  }
  return keys;
}

TEST(ProtocolDoc, KeyTablesNameExactlyTheHeadersKeys) {
  std::map<std::string, std::string> documented = DocumentedKeys(ReadText(VIRDOMM_PROTOCOL_DOC));
  std::set<std::string> in_doc;
  for (const auto& [path, value] : documented) {
    in_doc.insert(path);
  }
  std::set<std::string> in_header;
  for (std::string_view key : kBindingKeys) {
    in_header.insert(OwnBindingKey(key));
  }
  for (std::string_view key : kSettingsKeys) {
    in_header.insert(OwnBindingKey(key));
  }
  in_header.insert(std::string(kMappingsKey));
  in_header.insert(std::string(kAlertsDirectory) + "/<seq>");
  in_header.insert(std::string(kHealthDirectory) + "/<monitor>");
  in_header.insert(OwnBindingKey(kAlertsAckedKey));
  EXPECT_EQ(in_doc, in_header);
}

TEST(ProtocolDoc, NamesTheBindingDirectoryAndXensTargetKey) {
  std::string doc = ReadText(VIRDOMM_PROTOCOL_DOC);
  std::string directory = "`/local/domain/<M>/" + std::string(kBindingDirectory) + "/`";
  EXPECT_NE(doc.find(directory), std::string::npos) << directory;
  std::string target = "`/local/domain/<M>/" + std::string(kXenTargetKey) + " = <U>`";
  EXPECT_NE(doc.find(target), std::string::npos) << target;
}

TEST(ProtocolDoc, StateRowListsEveryStateValue) {
  std::map<std::string, std::string> documented = DocumentedKeys(ReadText(VIRDOMM_PROTOCOL_DOC));
  const std::string& row = documented[OwnBindingKey(kStateKey)];
  for (BindingState state : {BindingState::kBound, BindingState::kUnbound, BindingState::kRestart,
                             BindingState::kError}) {
    std::string value = "`" + FormatStateValue(Binding{state, std::nullopt, "", "<message>"}) + "`";
    EXPECT_NE(row.find(value), std::string::npos) << value << " in: " << row;
  }
}

}  // namespace
}  // namespace virdomm::protocol::test
