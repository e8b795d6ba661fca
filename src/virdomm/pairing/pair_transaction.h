// Writes the two halves of a pair so the user sees both or neither: if the second write
// fails, the first domain gets its old metadata back.
#pragma once

#include <string>

namespace virdomm {

// One domain's pairing metadata as a two-sided write sees it.
class MetadataSide {
 public:
  virtual ~MetadataSide() = default;
  [[nodiscard]] virtual std::string Name() const = 0;
  // Remembers the current metadata (every definition the write will touch).
  virtual void Save() = 0;
  virtual void Write(const std::string& element_xml) = 0;
  // Puts back what Save remembered (removes the element where there was none).
  virtual void Restore() = 0;
};

// Save both, write `first`, then `second`; on a failure of `second` restore both and rethrow
// with context. Throws Error also when the undo itself fails, saying what is left to clean up.
void WriteBothOrNeither(MetadataSide& first, const std::string& first_xml, MetadataSide& second,
                        const std::string& second_xml);

}  // namespace virdomm
