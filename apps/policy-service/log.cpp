#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace ferry::apps::policy {

std::optional<log_level> parse_log_level(std::string_view name) {
  if (name == "debug") return log_level::debug;
  if (name == "info") return log_level::info;
  if (name == "warning" || name == "warn") return log_level::warning;
  if (name == "error") return log_level::error;
  if (name == "off") return log_level::off;
  return std::nullopt;
}

logger::logger(log_level level, sink output) : level_(level), sink_(std::move(output)) {}

void logger::write(log_level level, std::string_view message) {
  if (!enabled(level)) return;
  if (sink_) {
    std::lock_guard lock(mutex_);
    sink_(level, message);
    return;
  }
  static constexpr const char* names[] = {"debug", "info", "warning", "error", "off"};
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "%s.%03dZ %s %.*s\n", stamp, static_cast<int>(millis),
               names[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace ferry::apps::policy
