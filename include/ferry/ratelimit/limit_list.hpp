// ferry/ratelimit/limit_list.hpp — rate limits written as text: "5/300s,100/1d".
//
// Services configure limits from environment variables and flags; this is the one notation
// for them: comma-separated COUNT/WINDOW, WINDOW a whole number with unit s, m, h or d (no
// unit: seconds). A list is meant to be enforced together on one key, as a limiter built
// from several `rate_limit`s does.
//
//   auto limits = ferry::ratelimit::parse_limit_list("5/300s,100/1d");  // two rate_limits
//   ferry::ratelimit::format_limit_list(limits);                        // "5/5m,100/1d"
//
// The one behaviour to know: formatting writes the largest whole unit, so "300s" comes back
// as "5m"; parsing that gives the same limits.
//
// Thread safety: plain functions. Errors: parse_limit_list throws std::invalid_argument
// naming the bad item.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <ferry/export.hpp>
#include <ferry/ratelimit/rate_decision.hpp>

namespace ferry::ratelimit {

/// Parses "5/300s,100/1d". "" (or blanks) gives no limits; blanks around items are ignored.
[[nodiscard]] FERRY_API std::vector<rate_limit> parse_limit_list(std::string_view text);

/// The text parse_limit_list reads back, each window in its largest whole unit.
[[nodiscard]] FERRY_API std::string format_limit_list(const std::vector<rate_limit>& limits);

}  // namespace ferry::ratelimit
