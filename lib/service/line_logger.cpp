#include "ferry/service/line_logger.hpp"

#include <cstdio>
#include <utility>

#include "ferry/service/time_text.hpp"

namespace ferry::service {

line_logger::line_logger(log_level threshold, sink output)
    : threshold_(threshold), sink_(std::move(output)) {}

std::string line_logger::format(std::chrono::system_clock::time_point when, log_level level,
                                std::string_view message) {
  std::string line = iso8601_millis(when);
  line += ' ';
  line += to_string(level);
  line += ' ';
  line += message;
  return line;
}

void line_logger::write(log_level level, std::string_view message) noexcept {
  if (!enabled(level)) return;
  try {
    if (sink_) {
      std::lock_guard lock(mutex_);
      sink_(level, message);
      return;
    }
    auto line = format(std::chrono::system_clock::now(), level, message);
    line += '\n';
    // One fwrite of the whole line, under the mutex: lines of different threads never mix.
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  } catch (...) {
    // Logging is best effort: a full disk or a throwing sink must not stop the service.
  }
}

ferry::observer line_logger::observer() {
  return ferry::observer(
      level(), [this](log_level level, std::string_view component, std::string_view message) {
        if (!enabled(level)) return;
        std::string line(component);
        if (!line.empty()) line += ": ";
        line += message;
        write(level, line);
      });
}

}  // namespace ferry::service
