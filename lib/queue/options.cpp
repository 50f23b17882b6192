#include <cerrno>
#include <cstdlib>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/queue/options.hpp"

namespace ferry::queue {
namespace {

// A whole positive number, or a config error naming the variable.
std::optional<long long> read_number(const std::function<const char*(const char*)>& getenv,
                                     const char* name, long long lo, long long hi) {
  const char* v = getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
    throw error(errc::config, std::string(name) + "=\"" + v + "\" is not a whole number in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

}  // namespace

const char* queue_options::default_getenv(const char* name) {
  return std::getenv(name);
}

queue_options queue_options::from_env(const std::function<const char*(const char*)>& getenv) {
  queue_options o;
  if (auto n = read_number(getenv, "MAX_RETRY_ATTEMPTS", 1, 1000)) {
    o.retry.max_attempts = static_cast<int>(*n);
  }
  if (auto n = read_number(getenv, "RETRY_BACKOFF_BASE_SECONDS", 0, 86400)) {
    o.retry.base = std::chrono::seconds{*n};
    if (o.retry.cap < o.retry.base) o.retry.cap = o.retry.base;
  }
  if (auto n = read_number(getenv, "DLQ_RETENTION_DAYS", 0, 3650)) {
    o.dlq_retention = std::chrono::hours{24 * *n};
  }
  return o;
}

}  // namespace ferry::queue
