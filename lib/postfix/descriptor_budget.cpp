#include "postfix/descriptor_budget.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <system_error>

namespace ferry::postfix::detail {

descriptor_limits current_descriptor_limits() {
  descriptor_limits out;
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    out.soft = static_cast<std::size_t>(files.rlim_cur);
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++out.open;
  }
  // The iterator's own descriptor was listed too.
  if (out.open > 0) --out.open;
  return out;
}

connection_budget plan_connections(std::size_t requested, const descriptor_limits& limits,
                                   unsigned workers) noexcept {
  connection_budget out;
  out.reserve = 32 + 2 * static_cast<std::size_t>(workers);
  out.max_connections = requested;
  if (!limits.soft) return out;
  const std::size_t kept = limits.open + out.reserve;
  const std::size_t room = *limits.soft > kept ? *limits.soft - kept : 0;
  if (room < requested) {
    out.max_connections = room;
    out.capped = true;
  }
  return out;
}

}  // namespace ferry::postfix::detail
