// ferry/celery/protocol/iso8601.hpp — the timestamp texts Celery puts in `eta`, `expires` and
// `date_done`.
//
// Celery writes times with Python's `datetime.isoformat()`: `2031-01-02T03:04:05.678901+00:00`,
// and — the detail that breaks byte comparisons — WITHOUT the fraction when the microseconds are
// zero (`2031-06-07T08:09:10+00:00`). `date_done` in the result backend is naive UTC (no
// offset) in Celery 5.2/5.3. ferry formats UTC only and truncates to microseconds.
//
// Parsing is lenient: `T` or space between date and time, seconds optional, a fraction of 1 to
// 9 digits (read as a decimal fraction, e.g. `.5` = 500 ms — Celery 5.2's own parser reads it
// as 5 µs, see docs/celery.md), then `Z`, `±HH:MM`, `±HHMM`, `±HH` or nothing (naive = UTC,
// as Celery's worker assumes). A well-formed date outside 1824-2116 is clamped to that range
// (ferry/checked_time.hpp): `9999-12-31T23:59:59` reads as 2116-01-01, still far in the future.
//
//   auto t = ferry::celery::protocol::parse_iso8601("2026-11-22T15:54:35.606335+00:00");
//   ferry::celery::protocol::format_isoformat(t);  // the same text back
//
// Thread safety: free functions; thread-safe.
// Errors: parse_iso8601 throws ferry::error(errc::decode_error) naming the bad text.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, as Python's aware-UTC `isoformat()` (fraction omitted
/// when the microseconds are zero; sub-microsecond precision is truncated).
[[nodiscard]] FERRY_API std::string format_isoformat(std::chrono::system_clock::time_point t);

/// The same without offset (`datetime.utcnow().isoformat()`), as `date_done` in Celery 5.2.
[[nodiscard]] FERRY_API std::string format_isoformat_naive(std::chrono::system_clock::time_point t);

/// Parses an ISO-8601 date-time (see the file comment for the accepted forms) to UTC.
[[nodiscard]] FERRY_API std::chrono::system_clock::time_point parse_iso8601(std::string_view text);

}  // namespace ferry::celery::protocol
