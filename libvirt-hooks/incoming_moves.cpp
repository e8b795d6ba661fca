#include "incoming_moves.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

IncomingMoves::IncomingMoves(const std::string& run_dir) : dir_(run_dir + "/hook/incoming") {}

bool IsNoteName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name.front() != '.' &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

void IncomingMoves::Mark(const std::string& name) const {
  if (!IsNoteName(name)) {
    throw Error("cannot note the incoming move of a domain named '" + name + "'");
  }
  const std::string parent = dir_.substr(0, dir_.rfind('/'));
  for (const std::string& dir : {parent.substr(0, parent.rfind('/')), parent, dir_}) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      throw Error("cannot create " + dir + ": " + std::strerror(errno));
    }
  }
  const std::string path = dir_ + "/" + name;
  // The note's time is its mtime: a new note of the same name refreshes it.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.Valid()) {
    throw Error("cannot write " + path + ": " + std::strerror(errno));
  }
  if (::futimens(fd.Get(), nullptr) != 0) {
    throw Error("cannot stamp " + path + ": " + std::strerror(errno));
  }
}

bool IncomingMoves::Take(const std::string& name) const {
  if (!IsNoteName(name)) {
    return false;
  }
  const std::string path = dir_ + "/" + name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return false;
  }
  ::unlink(path.c_str());
  const std::time_t age = std::time(nullptr) - st.st_mtime;
  return S_ISREG(st.st_mode) && age >= 0 && age <= kMaxAge.count();
}

}  // namespace virdomm
