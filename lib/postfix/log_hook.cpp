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

}  // namespace ferry::postfix
