#include "ferry/postfix/log_hook.hpp"

#include <utility>

namespace ferry::postfix {
namespace {

// The server's levels are ferry's without trace and off.
ferry::log_level ferry_level(log_level level) noexcept {
  switch (level) {
    case log_level::debug: return ferry::log_level::debug;
    case log_level::info: return ferry::log_level::info;
    case log_level::warning: return ferry::log_level::warning;
    case log_level::error: break;
  }
  return ferry::log_level::error;
}

// ferry's trace is below the server's debug: a trace line is written as debug.
log_level hook_level(ferry::log_level level) noexcept {
  switch (level) {
    case ferry::log_level::trace:
    case ferry::log_level::debug: return log_level::debug;
    case ferry::log_level::info: return log_level::info;
    case ferry::log_level::warning: return log_level::warning;
    case ferry::log_level::error:
    case ferry::log_level::off: break;
  }
  return log_level::error;
}

}  // namespace

log_hook log_hook_for(ferry::observer log) {
  log_hook hook;
  for (const auto level :
       {log_level::debug, log_level::info, log_level::warning, log_level::error}) {
    hook.level = level;
    if (log.enabled(ferry_level(level))) break;
  }
  if (!log.enabled(ferry_level(hook.level))) return hook;  // logs nothing: no function
  hook.write = [log = std::move(log)](log_level level, std::string_view line) {
    log.log(ferry_level(level), "", line);
  };
  return hook;
}

ferry::observer observer_for(log_hook hook) {
  if (!hook.write) return {};
  const auto threshold = ferry_level(hook.level);
  return ferry::observer{threshold, [write = std::move(hook.write)](
                                        ferry::log_level level, std::string_view,
                                        std::string_view line) { write(hook_level(level), line); }};
}

}  // namespace ferry::postfix
