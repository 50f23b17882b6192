// ferry/service/line_logger.hpp — a service's log: one line per event on stderr, with UTC time
// and level, whole lines even when threads log at once; or each line to a function (tests,
// journald, a file).
//
//   2026-11-22T17:00:00.123Z info policy_server: listening on 127.0.0.1:10040
//
// A service builds one logger from its configured level and hands it around: its own code
// calls info()/warning(), and every ferry component that takes a ferry::observer gets
// `log.observer()`, whose lines come out the same way ("component: message").
//
//   ferry::service::line_logger log(ferry::parse_log_level(level_text));
//   log.info("listening on " + address);
//   ferry::queue::worker w{q, handle, {.observer = log.observer()}};
//   if (log.enabled(ferry::log_level::debug)) log.debug(expensive_description());
//
// The rule a reader would get wrong: `enabled()` is the only cheap call. info(), debug() and
// the others take a built string; test enabled() first where building the line costs (a line
// per request at debug level).
//
// Thread safety: thread-safe; the sink is called under the logger's mutex, one line at a time.
// Observers from observer() refer to the logger: it must outlive them.
// Errors: none; a failed write to stderr is dropped, and what the sink throws is swallowed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <ferry/core/observer.hpp>
#include <ferry/export.hpp>

namespace ferry::service {

class FERRY_API line_logger {
 public:
  /// Receives the message of every line that passes the level filter, without the time,
  /// the level or a trailing newline. Empty: lines go to stderr.
  using sink = std::function<void(log_level level, std::string_view message)>;

  explicit line_logger(log_level threshold = log_level::info, sink output = {});

  /// Whether a line at `level` would be written.
  [[nodiscard]] bool enabled(log_level level) const noexcept {
    return level != log_level::off && level >= threshold_.load(std::memory_order_relaxed);
  }
  void set_level(log_level threshold) noexcept {
    threshold_.store(threshold, std::memory_order_relaxed);
  }
  [[nodiscard]] log_level level() const noexcept {
    return threshold_.load(std::memory_order_relaxed);
  }

  /// Writes `message` when enabled(level).
  void write(log_level level, std::string_view message) noexcept;
  void debug(std::string_view message) noexcept { write(log_level::debug, message); }
  void info(std::string_view message) noexcept { write(log_level::info, message); }
  void warning(std::string_view message) noexcept { write(log_level::warning, message); }
  void error(std::string_view message) noexcept { write(log_level::error, message); }

  /// An observer writing "component: message" lines here at this logger's level when it is
  /// made (log lines only: errors the component survived are dropped).
  [[nodiscard]] ferry::observer observer();

  /// The stderr line without its newline: "2026-11-22T17:00:00.123Z info message".
  [[nodiscard]] static std::string format(std::chrono::system_clock::time_point when,
                                          log_level level, std::string_view message);

 private:
  std::atomic<log_level> threshold_;
  sink sink_;
  std::mutex mutex_;
};

}  // namespace ferry::service
