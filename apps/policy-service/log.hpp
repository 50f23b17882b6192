// log.hpp — the policy service's line logger (stderr, or a callback in tests).
//
// One line per event: "2026-11-22T17:00:00.123Z info policy_server: listening on ...". Callers
// check `enabled(level)` before building a debug line, so the per-decision debug log costs
// nothing when the level is info.
//
// Thread safety: thread-safe (lines are written whole under a mutex).
// Errors: none; a failed write is dropped.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::apps::policy {

enum class log_level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

/// Parses "debug", "info", "warning" (or "warn"), "error", "off".
[[nodiscard]] std::optional<log_level> parse_log_level(std::string_view name);

class logger {
 public:
  /// Receives every line that passes the level filter (without the trailing newline).
  using sink = std::function<void(log_level, std::string_view)>;

  explicit logger(log_level level = log_level::info, sink output = {});

  [[nodiscard]] bool enabled(log_level level) const noexcept {
    return level >= level_.load(std::memory_order_relaxed);
  }
  void set_level(log_level level) noexcept { level_.store(level, std::memory_order_relaxed); }

  void write(log_level level, std::string_view message);
  void debug(std::string_view m) {
    if (enabled(log_level::debug)) write(log_level::debug, m);
  }
  void info(std::string_view m) {
    if (enabled(log_level::info)) write(log_level::info, m);
  }
  void warning(std::string_view m) {
    if (enabled(log_level::warning)) write(log_level::warning, m);
  }
  void error(std::string_view m) {
    if (enabled(log_level::error)) write(log_level::error, m);
  }

 private:
  std::atomic<log_level> level_;
  sink sink_;
  std::mutex mutex_;
};

}  // namespace ferry::apps::policy
