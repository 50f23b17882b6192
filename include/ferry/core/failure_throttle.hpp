// ferry/core/failure_throttle.hpp — decides when a repeated failure is worth a log line.
//
// A wrong Redis password fails every request; one log line each would flood the log, none
// would hide the problem. The first failure is reported at once; later ones at most once per
// `interval`, each line saying how many were not reported since the last one.
//
//   ferry::failure_throttle throttle(std::chrono::minutes(1));
//   if (auto line = throttle.failed(e.what(), std::chrono::steady_clock::now()))
//     log("Redis cache: " + *line);
//
// The one behaviour to know: a failure held back is not lost, it is counted into the next
// line that is given ("... (and 41 more failures since the last report)"). The throttle keeps
// no timer of its own, so the count is reported only when another failure comes.
//
// Thread safety: thread-safe. Errors: none thrown but std::bad_alloc.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/export.hpp>

namespace ferry {

class FERRY_API failure_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit failure_throttle(clock::duration interval) : interval_(interval) {}

  /// The text to log for a failure with `cause` at `now`, or nullopt when a line was given
  /// less than `interval` ago (the failure is counted into the next line).
  [[nodiscard]] std::optional<std::string> failed(std::string_view cause, clock::time_point now);

 private:
  clock::duration interval_;
  std::mutex mutex_;
  std::optional<clock::time_point> last_;
  std::uint64_t unreported_ = 0;
};

}  // namespace ferry
