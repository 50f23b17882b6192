#include <catch2/catch.hpp>

#include <chrono>
#include <limits>

#include "ferry/core/checked_time.hpp"
#include "ferry/core/error.hpp"

using namespace std::chrono;
using ferry::civil_time;
using ferry::time_from_civil;
using ferry::time_from_unix;
using ferry::time_from_unix_ms;
using ferry::time_range;

namespace {
const system_clock::time_point earliest{ferry::earliest_decoded_time};
const system_clock::time_point latest{ferry::latest_decoded_time};
}  // namespace

TEST_CASE("time_from_civil converts dates in range exactly", "[core][time]") {
  const auto t = time_from_civil(
      {.year = 2026, .month = 11, .day = 3, .hour = 10, .minute = 15, .utc_offset = minutes{60}});
  CHECK_FALSE(t.clamped());
  CHECK(duration_cast<seconds>(t.value.time_since_epoch()).count() == 1793697300);
  // A leap second counts as the start of the next second.
  CHECK(time_from_civil(
            {.year = 2016, .month = 12, .day = 31, .hour = 23, .minute = 59, .second = 60})
            .value == system_clock::time_point{sys_days{year{2017} / 1 / 1}});
  CHECK(time_from_civil({.year = 2024, .month = 2, .day = 29}).value ==
        system_clock::time_point{sys_days{year{2024} / 2 / 29}});
  CHECK(time_from_civil({.year = 2116, .month = 1, .day = 1}).range == time_range::within);
  CHECK(time_from_civil({.year = 1824, .month = 1, .day = 1}).range == time_range::within);
}

TEST_CASE("times system_clock cannot hold are clamped, never wrapped", "[core][time]") {
  // 9999-12-31 overflowed the nanosecond count and came back as a date in 1816.
  const auto far = time_from_civil(
      {.year = 9999, .month = 12, .day = 31, .hour = 23, .minute = 59, .second = 59});
  CHECK(far.range == time_range::clamped_late);
  CHECK(far.value == latest);
  CHECK(far.value > system_clock::now());
  const auto first = time_from_civil({.year = 1, .month = 1, .day = 1});
  CHECK(first.range == time_range::clamped_early);
  CHECK(first.value == earliest);
  CHECK(time_from_civil({.year = std::numeric_limits<std::int64_t>::max(), .month = 1, .day = 1})
            .range == time_range::clamped_late);
  CHECK(time_from_civil({.year = std::numeric_limits<std::int64_t>::min(), .month = 1, .day = 1})
            .range == time_range::clamped_early);
  // Just past a bound, by an offset or a fraction.
  CHECK(
      time_from_civil({.year = 2116, .month = 1, .day = 1, .subsecond = nanoseconds{1}}).clamped());
  CHECK(time_from_civil({.year = 1824, .month = 1, .day = 1, .utc_offset = minutes{1}}).clamped());

  CHECK(time_from_unix(seconds::max()).value == latest);
  CHECK(time_from_unix(seconds::min()).value == earliest);
  CHECK(time_from_unix(seconds{253402300799}).range == time_range::clamped_late);  // 9999
  CHECK(time_from_unix(seconds::max(), nanoseconds::max()).clamped());
  CHECK(time_from_unix(seconds::min(), nanoseconds::min()).clamped());
  CHECK(time_from_unix_ms(milliseconds::max()).value == latest);
  CHECK(time_from_unix_ms(milliseconds::min()).value == earliest);
  // The difference of any two decoded times fits in a duration.
  CHECK(latest - earliest > system_clock::duration::zero());
}

TEST_CASE("time_from_unix folds the sub-second part in, of either sign", "[core][time]") {
  CHECK(time_from_unix(seconds{10}, milliseconds{1500}).value ==
        system_clock::time_point{milliseconds{11500}});
  CHECK(time_from_unix(seconds{10}, milliseconds{-200}).value ==
        system_clock::time_point{milliseconds{9800}});
  CHECK(time_from_unix_ms(milliseconds{-1}).value == system_clock::time_point{milliseconds{-1}});
  CHECK(time_from_unix(seconds{0}).range == time_range::within);
}

TEST_CASE("malformed civil times are rejected with decode_error", "[core][time]") {
  const auto rejects = [](const civil_time& t) {
    try {
      (void)time_from_civil(t);
    } catch (const ferry::error& e) {
      return e.kind() == ferry::errc::decode_error;
    }
    return false;
  };
  CHECK(rejects({.year = 2026, .month = 13, .day = 1}));
  CHECK(rejects({.year = 2026, .month = 0, .day = 1}));
  CHECK(rejects({.year = 2025, .month = 2, .day = 29}));
  CHECK(rejects({.year = 1900, .month = 2, .day = 29}));
  CHECK(rejects({.year = 99999, .month = 4, .day = 31}));  // out of range, but no such day
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .hour = 24}));
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .minute = -1}));
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .second = 61}));
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .subsecond = seconds{1}}));
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .utc_offset = hours{24}}));
  CHECK(rejects({.year = 2026, .month = 1, .day = 1, .utc_offset = minutes::min()}));
}
