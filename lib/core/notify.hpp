// notify.hpp — calls a user callback from a library loop (private; header-only, so every
// component's loops may include it).
#pragma once

#include <utility>

namespace ferry::detail {

// Calls `f` if set; a throwing callback must not end the loop that called it.
template <class F, class... A>
void notify(const F& f, A&&... a) noexcept {
  if (!f) return;
  try {
    f(std::forward<A>(a)...);
  } catch (...) {
  }
}

}  // namespace ferry::detail
