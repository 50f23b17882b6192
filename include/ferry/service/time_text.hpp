// ferry/service/time_text.hpp — instants as a service's logs and admin answers write them:
// ISO 8601, UTC, with milliseconds ("2026-11-22T20:15:03.120Z").
//
// The rule a reader would get wrong: before 1970 the milliseconds still count forward from
// the whole second (1969-12-31T23:59:59.041Z), never a negative fraction.
//
// Thread safety: a pure function. Errors: none thrown but std::bad_alloc.
#pragma once

#include <chrono>
#include <string>

#include "ferry/export.hpp"

namespace ferry::service {

/// `t` as "YYYY-MM-DDTHH:MM:SS.mmmZ".
[[nodiscard]] FERRY_API std::string iso8601_millis(std::chrono::system_clock::time_point t);

}  // namespace ferry::service
