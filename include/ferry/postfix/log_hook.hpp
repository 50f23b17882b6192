// ferry/postfix/log_hook.hpp — the level-and-function pair policy_server took for its log lines
// before it took a ferry::observer; kept for one release.
//
// New code passes a ferry::observer (ferry/core/observer.hpp) to policy_server. Code written
// against log_hook keeps working through the deprecated constructor, which turns the hook into
// an observer with observer_for(); log_hook_for() goes the other way for code that still needs
// a hook.
//
// Thread safety: thread-compatible (a value type); `write` is called from the server's
// event-loop thread and from the thread that starts and stops it, so it must be thread-safe.
// Errors: none; what `write` throws is swallowed.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <ferry/core/observer.hpp>
#include <ferry/export.hpp>

namespace ferry::postfix {

enum class log_level : std::uint8_t { debug = 0, info = 1, warning = 2, error = 3 };

struct log_hook {
  /// Lines below this level are neither built nor written.
  log_level level = log_level::info;
  /// Receives every line at or above `level`; empty: nothing is logged.
  std::function<void(log_level, std::string_view)> write;

  [[nodiscard]] bool enabled(log_level l) const noexcept {
    return static_cast<bool>(write) && l >= level;
  }
};

/// A hook writing to `log` at its threshold; without a function when `log` logs nothing.
[[nodiscard]] FERRY_API log_hook log_hook_for(ferry::observer log);
/// An observer writing to `hook` at its level (no component: the server's lines name it).
[[nodiscard]] FERRY_API ferry::observer observer_for(log_hook hook);

}  // namespace ferry::postfix
