#include <ferry/core/failure_throttle.hpp>

namespace ferry {

std::optional<std::string> failure_throttle::failed(std::string_view cause, clock::time_point now) {
  std::uint64_t unreported = 0;
  {
    std::lock_guard lock(mutex_);
    if (last_ && now - *last_ < interval_) {
      ++unreported_;
      return std::nullopt;
    }
    last_ = now;
    unreported = unreported_;
    unreported_ = 0;
  }
  std::string line(cause);
  if (unreported > 0) {
    line += " (and " + std::to_string(unreported) + " more failure" + (unreported == 1 ? "" : "s") +
            " since the last report)";
  }
  return line;
}

}  // namespace ferry
