// ferry/core/checked_time.hpp — turns decoded times (a mail's Date, Celery's eta/expires/date_done,
// timestamps read back from Redis, RabbitMQ or a database) into system_clock::time_point
// without overflow.
//
// system_clock counts nanoseconds in 64 bits, so it holds only the years 1677 to 2262; a plain
// conversion of a date outside them (a mail dated 9999, a Celery `expires` of 9999-12-31)
// overflows and silently wraps to a date in the past. ferry applies one rule to every time it
// decodes:
// * malformed (no such date, a field out of range): rejected with errc::decode_error;
// * well formed but outside [earliest_decoded_time, latest_decoded_time] (1824-01-01 to
//   2116-01-01, UTC): clamped to the nearest bound, and the result says it was clamped, so a
//   caller may reject it instead. The range is half of what system_clock holds, so the
//   difference of any two decoded times, or of one and now(), fits in a duration as well.
//
// Clamping keeps the meaning of far-off times: an `expires` of 9999 becomes 2116 (it does not
// expire), an `eta` of year 1 becomes 1824 (it is due now).
//
//   auto t = ferry::time_from_civil({.year = 9999, .month = 12, .day = 31, .hour = 23});
//   t.clamped();  // true: t.value == latest_decoded_time
//   ferry::time_from_unix(std::chrono::seconds{1700000000}).value;  // 2023-11-14T22:13:20Z
//
// Thread safety: pure functions.
// Errors: time_from_civil throws ferry::error(errc::decode_error) for fields that name no
// date or time; the other functions never throw.
#pragma once

#include <chrono>
#include <cstdint>

#include "ferry/export.hpp"

namespace ferry {

/// The earliest and latest instants a decoded time can take; outside times are clamped to them.
inline constexpr std::chrono::sys_seconds earliest_decoded_time{
    std::chrono::sys_days{std::chrono::year{1824} / 1 / 1}};
inline constexpr std::chrono::sys_seconds latest_decoded_time{
    std::chrono::sys_days{std::chrono::year{2116} / 1 / 1}};

/// Where a decoded time fell relative to [earliest_decoded_time, latest_decoded_time].
enum class time_range : std::uint8_t { within, clamped_early, clamped_late };

/// A decoded time: the (possibly clamped) instant and whether it was clamped.
struct decoded_time {
  std::chrono::system_clock::time_point value;
  time_range range = time_range::within;
  [[nodiscard]] bool clamped() const noexcept { return range != time_range::within; }
};

/// A date and time of day as texts write them (ISO 8601, RFC 5322), with the offset of that
/// local time from UTC (`+02:00` is 120 minutes: UTC = local - offset).
struct civil_time {
  std::int64_t year = 1970;
  int month = 1;   ///< 1-12
  int day = 1;     ///< 1-31, checked against the month and leap years
  int hour = 0;    ///< 0-23
  int minute = 0;  ///< 0-59
  int second = 0;  ///< 0-60 (60: a leap second, counted as the next second's start)
  std::chrono::nanoseconds subsecond{0};  ///< [0, 1 s)
  std::chrono::minutes utc_offset{0};     ///< within ±24 h
};

/// Seconds (plus a sub-second part, any sign) since 1970-01-01T00:00:00Z, clamped.
[[nodiscard]] FERRY_API decoded_time
time_from_unix(std::chrono::seconds since_epoch, std::chrono::nanoseconds subsecond = {}) noexcept;

/// Milliseconds since the Unix epoch (Redis and JavaScript timestamps), clamped.
[[nodiscard]] FERRY_API decoded_time
time_from_unix_ms(std::chrono::milliseconds since_epoch) noexcept;

/// A civil date-time at an offset from UTC; any year is accepted and clamped.
[[nodiscard]] FERRY_API decoded_time time_from_civil(const civil_time& t);

}  // namespace ferry
