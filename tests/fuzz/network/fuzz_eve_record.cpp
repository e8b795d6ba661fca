// libFuzzer over the eve.json side of the network IDS: each input is eve.json content, split
// into lines by the follower's own splitter (through a real file), each line parsed and, when
// it is an alert, turned into the spool's Alert and encoded. Nothing may crash, leak or grow
// past the bounds: lines over kMaxEveLineBytes are skipped, fields cut to kMaxEveFieldBytes.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <variant>

#include "alerts/alert.h"
#include "common/error.h"
#include "network/eve_follower.h"
#include "network/eve_record.h"
#include "network/network_alert.h"

namespace {

const std::string& ScratchFile() {
  static const std::string path = "/tmp/fuzz-eve-" + std::to_string(::getpid()) + ".json";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace virdomm::monitor;
  {
    std::ofstream out(ScratchFile(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // A small bound here, so that inputs exercise the over-long path too.
  EveFollower follower(ScratchFile(), 4096);
  for (const FollowedLine& line : follower.Poll()) {
    if (line.over_long) {
      continue;
    }
    if (line.text.size() > 4096) {
      std::abort();
    }
    try {
      EveRecord record = ParseEveLine(line.text);
      if (const auto* eve = std::get_if<EveAlert>(&record)) {
        for (const std::string* field : {&eve->signature, &eve->http_url, &eve->dns_rrname}) {
          if (field->size() > kMaxEveFieldBytes) {
            std::abort();
          }
        }
        Alert alert = NetworkAlertOf(*eve, "fuzz", "t");
        if (EncodeAlert(alert, {"0123456789abcdef0123456789abcdef", 1}).size() > kMaxAlertBytes) {
          std::abort();
        }
      }
    } catch (const virdomm::Error&) {
      // A line that is no usable record: the watch warns and goes on.
    }
  }
  return 0;
}
