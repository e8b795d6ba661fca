// The stock/patched judgement of a libxenguest file: the patched restore names its record
// directory; a stock library, an unreadable path or a mark split across read chunks are told
// apart correctly.
#include <gtest/gtest.h>

#include <string>

#include "hook_test_support.h"
#include "libxenguest_probe.h"

namespace virdomm::test {
namespace {

TEST(LibxenguestProbe, PatchedLibraryCarriesTheMappings) {
  ScratchDir dir;
  // The mark straddles the 64 KiB read chunk: the search must see the file, not the chunks.
  std::string bytes(65536 - 7, '\x7f');
  bytes += "/run/virdomm/domubit";
  bytes += std::string(1000, '\0');
  WriteFile(dir.Path() + "/libxenguest.so.4.17.0", bytes);
  EXPECT_EQ(LibxenguestFileCarryFault(dir.Path() + "/libxenguest.so.4.17.0"), "");
}

TEST(LibxenguestProbe, StockLibraryIsNamedAsSuch) {
  ScratchDir dir;
  WriteFile(dir.Path() + "/libxenguest.so.4.17.0", std::string(200000, '\x01') + "/run/virdomm");
  std::string fault = LibxenguestFileCarryFault(dir.Path() + "/libxenguest.so.4.17.0");
  EXPECT_NE(fault.find("is a stock libxenguest"), std::string::npos) << fault;
  EXPECT_NE(fault.find("xen-patches"), std::string::npos) << fault;
}

TEST(LibxenguestProbe, UnreadableLibraryIsAFault) {
  std::string fault = LibxenguestFileCarryFault("/nonexistent/libxenguest.so.4.17");
  EXPECT_NE(fault.find("cannot read /nonexistent/libxenguest.so.4.17"), std::string::npos);
}

}  // namespace
}  // namespace virdomm::test
