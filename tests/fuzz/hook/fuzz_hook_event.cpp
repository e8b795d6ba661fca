// libFuzzer target: argv + stdin -> HookEvent -> facts from the XML -> decision. Whatever
// libvirt (or anyone) passes, the hook decides without crashing, and the events that must never
// fail (reconnect, stopped, release, migrate, unknown) never ask for a non-zero exit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "hook_decision.h"
#include "hook_event.h"
#include "hook_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  // Up to four NUL-separated arguments, then stdin.
  std::vector<std::string> args;
  std::size_t pos = 0;
  while (args.size() < 4) {
    std::size_t nul = input.find('\0', pos);
    if (nul == std::string::npos) {
      break;
    }
    args.push_back(input.substr(pos, nul - pos));
    pos = nul + 1;
  }
  std::string stdin_text = input.substr(pos);
  virdomm::HookEvent event;
  try {
    event = virdomm::ParseHookEvent(args, stdin_text);
  } catch (const virdomm::Error&) {
    return 0;
  }
  virdomm::HookFacts facts;
  facts.self = virdomm::ReadSelfFacts(event);
  virdomm::Decision decision = virdomm::Decide(event, facts);
  virdomm::HookEventKind kind = event.Kind();
  bool may_fail = kind == virdomm::HookEventKind::kPrepareBegin ||
                  kind == virdomm::HookEventKind::kStartedBegin;
  if (decision.exit_code != 0 && (!may_fail || decision.reason.empty())) {
    std::abort();
  }
  for (const virdomm::Action& action : decision.actions) {
    (void)action.Describe();
  }
  return 0;
}
