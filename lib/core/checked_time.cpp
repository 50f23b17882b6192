#include "ferry/core/checked_time.hpp"

#include <string>

#include "ferry/core/error.hpp"

namespace ferry {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;
using sys_clock = std::chrono::system_clock;

// The bounds must be representable with room to spare: the difference of any two clamped times
// (and of one and now()) is promised to fit in a duration.
static_assert(latest_decoded_time - earliest_decoded_time <
              std::chrono::duration_cast<seconds>(sys_clock::duration::max()));

constexpr std::int64_t earliest_s = earliest_decoded_time.time_since_epoch().count();
constexpr std::int64_t latest_s = latest_decoded_time.time_since_epoch().count();

// Years beyond this are out of range whatever the other fields say, and small enough that the
// day arithmetic below cannot overflow.
constexpr std::int64_t max_exact_year = 30000;

decoded_time early() noexcept {
  return {sys_clock::time_point{earliest_decoded_time}, time_range::clamped_early};
}

decoded_time late() noexcept {
  return {sys_clock::time_point{latest_decoded_time}, time_range::clamped_late};
}

bool leap(std::int64_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int days_in_month(std::int64_t y, int m) noexcept {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

[[noreturn]] void bad(const std::string& why) {
  throw error(errc::decode_error, "invalid date-time: " + why);
}

}  // namespace

decoded_time time_from_unix(seconds since_epoch, nanoseconds subsecond) noexcept {
  std::int64_t s = since_epoch.count();
  // Far outside first, so that folding in the sub-second part (at most ~9.3e9 s) cannot overflow.
  constexpr std::int64_t margin = 10'000'000'000;
  if (s < earliest_s - margin) return early();
  if (s > latest_s + margin) return late();
  auto whole = std::chrono::floor<seconds>(subsecond);
  s += whole.count();
  subsecond -= whole;
  if (s < earliest_s) return early();
  if (s > latest_s || (s == latest_s && subsecond.count() > 0)) return late();
  return {sys_clock::time_point{std::chrono::duration_cast<sys_clock::duration>(seconds{s}) +
                                std::chrono::duration_cast<sys_clock::duration>(subsecond)},
          time_range::within};
}

decoded_time time_from_unix_ms(std::chrono::milliseconds since_epoch) noexcept {
  // Integer division: converting floor<seconds>(min()) back to milliseconds would overflow.
  const std::int64_t ms = since_epoch.count();
  return time_from_unix(seconds{ms / 1000}, std::chrono::milliseconds{ms % 1000});
}

decoded_time time_from_civil(const civil_time& t) {
  if (t.month < 1 || t.month > 12) bad("month " + std::to_string(t.month));
  if (t.day < 1 || t.day > days_in_month(t.year, t.month)) {
    bad("day " + std::to_string(t.day) + " of month " + std::to_string(t.month) + " in year " +
        std::to_string(t.year));
  }
  if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 60) {
    bad("time of day " + std::to_string(t.hour) + ":" + std::to_string(t.minute) + ":" +
        std::to_string(t.second));
  }
  if (t.subsecond < nanoseconds{0} || t.subsecond >= seconds{1}) bad("fraction of a second");
  if (t.utc_offset <= -std::chrono::hours{24} || t.utc_offset >= std::chrono::hours{24}) {
    bad("UTC offset of " + std::to_string(t.utc_offset.count()) + " minutes");
  }
  if (t.year < -max_exact_year) return early();
  if (t.year > max_exact_year) return late();
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(t.year)},
                                        std::chrono::month{static_cast<unsigned>(t.month)},
                                        std::chrono::day{static_cast<unsigned>(t.day)}};
  const std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  const std::int64_t s =
      days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - seconds{t.utc_offset}.count();
  return time_from_unix(seconds{s}, t.subsecond);
}

}  // namespace ferry
