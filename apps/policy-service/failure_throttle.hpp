// failure_throttle.hpp — decides when a dependency's failure is worth a log line.
//
// A wrong Redis password fails every lookup; one line each would flood the log, none would
// hide it (the service keeps answering from the database). The first failure is reported at
// once; later ones at most once per `interval`, each line saying how many were not reported.
//
//   failure_throttle throttle(std::chrono::minutes(1));
//   if (auto line = throttle.failed(e.what(), clock::now())) log.warning("Redis cache: " + *line);
//
// Thread safety: thread-safe. Errors: none thrown.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::apps::policy {

class failure_throttle {
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

}  // namespace ferry::apps::policy
