// ferry/postfix/log_hook.hpp — how policy_server reports what it does: a level and a function.
//
// ferry never prints; the server hands each line (without a trailing newline) to the function
// the application gives it, which decides where it goes. Lines below `level` are never built,
// so the per-request debug lines cost nothing at info level.
//
//   ferry::postfix::log_hook log{ferry::postfix::log_level::info,
//                                [](auto level, std::string_view line) { std::clog << line << '\n';
//                                }};
//
// A service that logs through a ferry::observer (ferry/core/observer.hpp) passes
// `log_hook_for(observer)`: the server's lines go to the observer without a component name
// (each already starts with "policy_server: "), at the observer's level.
//
// The one behaviour to know: `write` is called from the server's event-loop thread and from
// the thread that constructs, starts and stops the server, possibly at the same time, so it
// must be thread-safe.
//
// Thread safety: thread-compatible (a value type). Errors: none; what `write` throws is
// swallowed by the server (an observer swallows it itself).
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

}  // namespace ferry::postfix
