#include <catch2/catch.hpp>

#include <chrono>

#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/core/checked_time.hpp"
#include "ferry/core/error.hpp"

using namespace std::chrono;
using ferry::celery::protocol::format_isoformat;
using ferry::celery::protocol::format_isoformat_naive;
using ferry::celery::protocol::parse_iso8601;

namespace {
system_clock::time_point at(int y, unsigned mo, unsigned d, int h, int mi, int s, long us = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
         microseconds{us};
}
}  // namespace

TEST_CASE("format_isoformat matches Python's isoformat()", "[celery][iso8601]") {
  CHECK(format_isoformat(at(2031, 1, 2, 3, 4, 5, 678901)) == "2031-01-02T03:04:05.678901+00:00");
  // Python omits a zero fraction (captured: expires_datetime).
  CHECK(format_isoformat(at(2031, 6, 7, 8, 9, 10)) == "2031-06-07T08:09:10+00:00");
  CHECK(format_isoformat(at(2026, 11, 22, 16, 2, 6, 1)) == "2026-11-22T16:02:06.000001+00:00");
  // Sub-microsecond digits are truncated (Python datetimes have microseconds). The cast is for
  // libc++, whose system_clock counts microseconds: there the clock itself drops them.
  CHECK(format_isoformat(time_point_cast<system_clock::duration>(
            at(2026, 1, 1, 0, 0, 0) + nanoseconds{999})) == "2026-01-01T00:00:00+00:00");
  CHECK(format_isoformat_naive(at(2026, 11, 22, 16, 2, 42, 139594)) ==
        "2026-11-22T16:02:42.139594");
  CHECK(format_isoformat(at(1969, 12, 31, 23, 59, 59, 500000)) ==
        "1969-12-31T23:59:59.500000+00:00");
}

TEST_CASE("parse_iso8601 accepts Celery's and other producers' forms", "[celery][iso8601]") {
  const auto t = at(2031, 1, 2, 3, 4, 5, 678901);
  CHECK(parse_iso8601("2031-01-02T03:04:05.678901+00:00") == t);
  CHECK(parse_iso8601("2031-01-02T03:04:05.678901Z") == t);
  CHECK(parse_iso8601("2031-01-02T03:04:05.678901") == t);  // naive = UTC
  CHECK(parse_iso8601("2031-01-02 03:04:05.678901") == t);
  CHECK(parse_iso8601("2031-01-01T22:04:05.678901-05:00") == t);
  CHECK(parse_iso8601("2031-01-02T04:34:05.678901+0130") == t);
  CHECK(parse_iso8601("2031-01-02T05:04:05.678901+02") == t);
  CHECK(parse_iso8601("2031-06-07T08:09:10+00:00") == at(2031, 6, 7, 8, 9, 10));
  CHECK(parse_iso8601("2031-06-07T08:09") == at(2031, 6, 7, 8, 9, 0));
  // The fraction is a decimal fraction (Celery 5.2's own parser would read .123 as 123 µs).
  CHECK(parse_iso8601("2026-01-01T00:00:00.123Z") == at(2026, 1, 1, 0, 0, 0, 123000));
  // Nanoseconds as far as system_clock counts them (libstdc++: all; libc++: microseconds).
  CHECK(parse_iso8601("2026-01-01T00:00:00.123456789Z") ==
        time_point_cast<system_clock::duration>(at(2026, 1, 1, 0, 0, 0) + nanoseconds{123456789}));
  for (const auto t2 : {at(2026, 11, 22, 15, 54, 35, 606335), at(2000, 2, 29, 0, 0, 0)}) {
    CHECK(parse_iso8601(format_isoformat(t2)) == t2);
  }
}

TEST_CASE("parse_iso8601 rejects malformed text with decode_error", "[celery][iso8601]") {
  for (const char* bad :
       {"", "20200101T000000Z", "2026-13-01T00:00:00", "2026-02-30T00:00:00", "2026-01-01",
        "2026-01-01T25:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z",
        "2026-01-01T00:00:00+25:00", "2026-01-01T00:00:00 junk", "tomorrow"}) {
    INFO(bad);
    try {
      (void)parse_iso8601(bad);
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::decode_error);
      CHECK_THAT(e.what(), Catch::Contains("invalid ISO-8601"));
    }
  }
}

TEST_CASE("dates outside what system_clock holds are clamped, not wrapped", "[celery][iso8601]") {
  // 9999-12-31 is what Python code writes for "never"; it used to come back as 1816.
  const auto far = parse_iso8601("9999-12-31T23:59:59+00:00");
  CHECK(far == system_clock::time_point{ferry::latest_decoded_time});
  CHECK(far > system_clock::now());
  CHECK(format_isoformat(far) == "2116-01-01T00:00:00+00:00");
  CHECK(parse_iso8601("9999-12-31T23:59:59.999999-23:59") == far);
  const auto first = parse_iso8601("0001-01-01T00:00:00Z");
  CHECK(first == system_clock::time_point{ferry::earliest_decoded_time});
  CHECK(first < system_clock::now());
  // Malformed stays an error.
  CHECK_THROWS_AS(parse_iso8601("9999-02-30T00:00:00Z"), ferry::error);
  CHECK_THROWS_AS(parse_iso8601("0000-00-00T00:00:00Z"), ferry::error);
}
