// Helpers shared by the queue's blocking loops (queue::reserve, scheduler, worker).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "core/notify.hpp"

namespace ferry::queue::detail {

// BLPOP takes its timeout in (decimal) seconds; at least 1 ms, since 0 would mean "forever".
inline std::string seconds_text(std::chrono::milliseconds ms) {
  const auto v = std::max<long long>(ms.count(), 1);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", v / 1000, v % 1000);
  return buf;
}

using ferry::detail::notify;

}  // namespace ferry::queue::detail
