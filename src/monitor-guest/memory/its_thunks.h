// Pages of indirect-branch thunks the ITS mitigation (CONFIG_MITIGATION_ITS, Debian's 6.1 and
// 6.12) makes on affected Intel CPUs: its_allocate_thunk() fills a page with INT3 and writes
// `[REX.B] jmp *%reg; int3` thunks into it. A module's pages are listed in its
// its_page_array; pages made while no module is being loaded are listed nowhere, so they are
// recognised by their bytes: nothing but INT3 and such thunks, which can only jump through a
// register.
#pragma once

#include <cstdint>
#include <span>

namespace virdomm::monitor {

bool IsItsThunkPage(std::span<const uint8_t> page);

}  // namespace virdomm::monitor
