// Which domains are arriving by an incoming move. libvirt's libxl driver runs `migrate begin`
// only on the destination of a move, before `prepare`, but passes no XML there (only the name):
// the hook notes the name under /run/virdomm/hook/incoming/ and `prepare` takes the note, which
// tells a move apart from a plain start or restore, both of which run `prepare` too.
#pragma once

#include <chrono>
#include <string>

namespace virdomm {

class IncomingMoves {
 public:
  // Notes older than this belong to a move that never reached `prepare` (it failed earlier).
  static constexpr std::chrono::seconds kMaxAge{600};

  explicit IncomingMoves(const std::string& run_dir);

  // Notes that `name` is arriving. Throws Error when the note cannot be written; a name that
  // cannot be a file name (empty, '/', a leading '.', longer than 255 bytes) is refused.
  void Mark(const std::string& name) const;
  // Whether `name` was noted within kMaxAge; removes the note either way. Never throws.
  [[nodiscard]] bool Take(const std::string& name) const;

 private:
  std::string dir_;
};

// Whether `name` can be the file name of a note.
bool IsNoteName(const std::string& name);

}  // namespace virdomm
