// The undo logic of a two-sided pairing write.
#include "pairing/pair_transaction.h"

#include "common/error.h"

namespace virdomm {

void WriteBothOrNeither(MetadataSide& first, const std::string& first_xml, MetadataSide& second,
                        const std::string& second_xml) {
  first.Save();
  second.Save();
  first.Write(first_xml);  // a failure here changed nothing worth undoing beyond `first`
  try {
    second.Write(second_xml);
  } catch (const std::exception& write_error) {
    std::string undo_problems;
    // A write covering live and config can fail halfway; put both sides back.
    for (MetadataSide* side : {&second, &first}) {
      try {
        side->Restore();
      } catch (const std::exception& e) {
        undo_problems += " Undoing '" + side->Name() + "' failed too (" + e.what() + ").";
      }
    }
    if (undo_problems.empty()) {
      throw Error("writing the pairing of '" + second.Name() + "' failed, so '" + first.Name() +
                  "' was put back as it was; nothing changed: " + write_error.what());
    }
    throw Error("writing the pairing of '" + second.Name() + "' failed: " + write_error.what() +
                "." + undo_problems + " Run `virdomm check` and `virdomm unpair` on the " +
                "domains named to clean up.");
  }
}

}  // namespace virdomm
