#include "ferry/service/time_text.hpp"

#include <cstdio>
#include <ctime>

namespace ferry::service {

std::string iso8601_millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // Floor, not truncate: before 1970 the milliseconds stay in [0, 999] and the second is right.
  const auto whole = floor<seconds>(t);
  const auto ms = duration_cast<milliseconds>(t - whole).count();
  const std::time_t secs = system_clock::to_time_t(whole);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace ferry::service
