// ferry/core/observer.hpp — the one way a ferry component reports what it does: log lines at a
// level, and the errors its loops survived, each with the context it happened in.
//
// ferry never prints. A component that runs a loop of its own (a worker, a consumer, a server)
// takes an `observer` in its options and tells it what a service's operator would want to see;
// the application decides where that goes (stderr, journald, a metrics counter). One observer
// serves every component, so an app builds it once and hands copies around.
//
//   ferry::observer obs{ferry::log_level::info,
//                       [](ferry::log_level l, std::string_view component, std::string_view msg) {
//                         std::fprintf(stderr, "%s %.*s: %.*s\n", ferry::to_string(l).data(), ...);
//                       },
//                       [](const std::exception& e, const ferry::error_context& ctx) {
//                         ++errors;  // ctx.component, ctx.operation, ctx.id say where
//                       }};
//   ferry::queue::worker w{q, handle, {.observer = obs}};
//
// The rule a reader would get wrong: a default-constructed observer is silent — nothing is
// logged and errors are dropped (the loop still survives them). Reporting never throws into
// the component: an exception escaping the log function or the error hook is swallowed.
//
// Thread safety: a value type; copies share the functions, which are called from the
// components' threads, possibly at once: they must be thread-safe.
// Errors: none thrown by log() or error(); parse_log_level throws std::invalid_argument.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry {

/// Severity of a log line; `off` as a threshold logs nothing.
enum class log_level { trace, debug, info, warning, error, off };

/// "trace", "debug", "info", "warning", "error", "off".
[[nodiscard]] FERRY_API std::string_view to_string(log_level level) noexcept;
/// The names of to_string (also "warn"), case-insensitive; throws std::invalid_argument.
[[nodiscard]] FERRY_API log_level parse_log_level(std::string_view text);

/// Where an error happened. The views are valid only during the call to the error hook.
struct error_context {
  std::string_view component;  ///< "queue.worker", "service.admin_http", ...
  std::string_view operation;  ///< what the component was doing: "fetch", "ack", "handler"
  std::string_view id{};       ///< the message or delivery concerned, "" when none
  std::string_view message{};  ///< more detail, "" when none
};

class FERRY_API observer {
 public:
  /// Told each line at or above the threshold; `component` names the reporter.
  using log_function =
      std::function<void(log_level level, std::string_view component, std::string_view message)>;
  /// Told each error a component survived. A ferry failure is a ferry::error (errc,
  /// is_transient()): `dynamic_cast<const ferry::error*>(&e)` tells it apart.
  using error_function = std::function<void(const std::exception& e, const error_context& ctx)>;

  /// Silent: logs nothing, drops errors.
  observer() noexcept = default;
  /// Logs lines at `threshold` and above to `log` (empty: none); errors go to `on_error`.
  observer(log_level threshold, log_function log, error_function on_error = {});
  /// Only the error hook; no log lines.
  [[nodiscard]] static observer errors_to(error_function on_error);

  /// Whether a line at `level` would be logged: test it before building an expensive message.
  [[nodiscard]] bool enabled(log_level level) const noexcept;
  /// Logs `message` when enabled(level).
  void log(log_level level, std::string_view component, std::string_view message) const noexcept;
  /// Reports an error the component survived.
  void error(const std::exception& e, const error_context& ctx) const noexcept;
  /// Whether an error hook is set (a component may skip building context without one).
  [[nodiscard]] bool has_error_hook() const noexcept;

 private:
  struct sinks;
  log_level threshold_ = log_level::off;
  std::shared_ptr<const sinks> sinks_;  // shared: copying an observer costs one refcount
};

}  // namespace ferry
