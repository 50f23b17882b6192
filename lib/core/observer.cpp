#include "ferry/core/observer.hpp"

#include <array>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

namespace ferry {

struct observer::sinks {
  log_function log;
  error_function on_error;
};

namespace {

constexpr std::array<std::string_view, 6> level_names{"trace",   "debug", "info",
                                                      "warning", "error", "off"};

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(log_level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < level_names.size() ? level_names[i] : "off";
}

log_level parse_log_level(std::string_view text) {
  if (iequals(text, "warn")) return log_level::warning;
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (iequals(text, level_names[i])) return static_cast<log_level>(i);
  }
  throw std::invalid_argument("log level '" + std::string(text) +
                              "' is not one of trace, debug, info, warning, error, off");
}

observer::observer(log_level threshold, log_function log, error_function on_error)
    : threshold_(log ? threshold : log_level::off),
      sinks_(std::make_shared<const sinks>(sinks{std::move(log), std::move(on_error)})) {}

observer observer::errors_to(error_function on_error) {
  return observer(log_level::off, {}, std::move(on_error));
}

bool observer::enabled(log_level level) const noexcept {
  return level != log_level::off && level >= threshold_ && sinks_ && sinks_->log;
}

void observer::log(log_level level, std::string_view component,
                   std::string_view message) const noexcept {
  if (!enabled(level)) return;
  try {
    sinks_->log(level, component, message);
  } catch (...) {
    // A failing sink must not take the component's loop down with it.
  }
}

void observer::error(const std::exception& e, const error_context& ctx) const noexcept {
  if (!has_error_hook()) return;
  try {
    sinks_->on_error(e, ctx);
  } catch (...) {
    // As for log(): reporting is best effort.
  }
}

bool observer::has_error_hook() const noexcept {
  return sinks_ && sinks_->on_error;
}

}  // namespace ferry
