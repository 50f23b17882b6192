// What the soak counts for one path, and the helpers the paths share.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace soak {

/// The figures of one path at the end of a run.
struct path_tally {
  std::string path;
  std::int64_t offered = 0;    ///< items the producer tried to hand over
  std::int64_t accepted = 0;   ///< the producer was told "accepted" (call returned success)
  std::int64_t completed = 0;  ///< accepted items whose effect is in the database / backend
  std::int64_t dead = 0;       ///< accepted items in a dead-letter queue (visible, not lost)
  std::int64_t lost = 0;       ///< accepted - completed - dead
  std::int64_t twice = -1;     ///< items with two effects in the database (-1: not applicable)
  std::int64_t repeated = 0;   ///< handler runs beyond the ones the path asked for
  std::int64_t runs = 0;       ///< handler runs seen
  std::string note;            ///< anything else worth a line under the table
};

/// Spreads `n` items over `window` from `start`: sleeps until item i's turn (never for an item
/// that is late, so a producer catches up after an outage as fast as the system lets it).
inline void pace(std::size_t i, std::size_t n, std::chrono::steady_clock::time_point start,
                 std::chrono::milliseconds window) {
  if (n == 0) return;
  const auto due = start + window * static_cast<std::int64_t>(i) / static_cast<std::int64_t>(n);
  std::this_thread::sleep_until(due);
}

/// Set when the run is being aborted (an error elsewhere): producers stop at once.
using abort_flag = std::atomic<bool>;

}  // namespace soak
