// What the soak counts for one path, and the helpers the paths share.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
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

/// Which items the producer was told were accepted. Thread-safe.
class acceptance {
 public:
  explicit acceptance(std::size_t items) : accepted_(items) {}
  [[nodiscard]] std::size_t size() const { return accepted_.size(); }
  void mark(std::size_t i) { accepted_[i] = true; }
  [[nodiscard]] bool operator[](std::size_t i) const { return accepted_[i]; }
  [[nodiscard]] std::int64_t count() const {
    std::int64_t n = 0;
    for (const auto& a : accepted_) n += a ? 1 : 0;
    return n;
  }

 private:
  std::vector<std::atomic<bool>> accepted_;
};

/// Calls `offer` until it returns true (the item was accepted), pausing `pause` after each
/// refusal, until `give_up` or abort. Returns whether the item was accepted.
inline bool offer_until_accepted(const std::function<bool()>& offer,
                                 std::chrono::steady_clock::time_point give_up,
                                 const abort_flag& abort, std::chrono::milliseconds pause) {
  while (!abort && std::chrono::steady_clock::now() < give_up) {
    if (offer()) return true;
    std::this_thread::sleep_for(pause);
  }
  return false;
}

/// Handler runs per item found in worker logs: every line matching `pattern` counts once for
/// the item `item_of(match)` returns (nullopt: not a soak item).
inline std::map<std::size_t, std::int64_t> count_log_runs(
    const std::vector<std::string>& logs, const std::regex& pattern,
    const std::function<std::optional<std::size_t>(const std::smatch&)>& item_of) {
  std::map<std::size_t, std::int64_t> runs;
  for (const auto& file : logs) {
    std::ifstream in(file);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
      if (!std::regex_search(line, m, pattern)) continue;
      if (const auto i = item_of(m)) ++runs[*i];
    }
  }
  return runs;
}

/// Total of a run count map.
inline std::int64_t total_runs(const std::map<std::size_t, std::int64_t>& runs) {
  std::int64_t n = 0;
  for (const auto& [item, count] : runs) n += count;
  return n;
}

}  // namespace soak
