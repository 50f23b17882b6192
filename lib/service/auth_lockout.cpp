#include "ferry/service/auth_lockout.hpp"

#include <algorithm>
#include <stdexcept>

namespace ferry::service {

auth_lockout::auth_lockout(auth_lockout_options options) : opts_(options) {
  if (opts_.failures < 1) throw std::invalid_argument("auth lockout: failures must be >= 1");
  if (opts_.window <= std::chrono::seconds::zero()) {
    throw std::invalid_argument("auth lockout: window must be positive");
  }
}

auth_lockout::verdict auth_lockout::record_failure(const std::string& address,
                                                   clock::time_point now) {
  std::lock_guard lock{mutex_};
  const auto horizon = now - opts_.window;
  if (failures_.size() >= opts_.max_addresses && !failures_.contains(address)) {
    // Many addresses failing at once: forget those whose failures left the window; if all are
    // recent, forget everything rather than grow without bound.
    std::erase_if(failures_, [&](const auto& e) { return e.second.back() <= horizon; });
    if (failures_.size() >= opts_.max_addresses) failures_.clear();
  }
  auto& times = failures_[address];
  while (!times.empty() && times.front() <= horizon) times.pop_front();
  times.push_back(now);
  // Keep one more than allowed: enough to know the address is over the limit and when the
  // oldest counted failure leaves the window.
  const auto allowed = static_cast<std::size_t>(opts_.failures);
  while (times.size() > allowed + 1) times.pop_front();
  if (times.size() <= allowed) return {};
  const auto wait = std::chrono::ceil<std::chrono::seconds>(times.front() + opts_.window - now);
  return {.locked = true, .retry_after = std::max(wait, std::chrono::seconds(1))};
}

}  // namespace ferry::service
