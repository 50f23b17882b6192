// ferry/celery/protocol/json.hpp — the JSON value type of the Celery API, and Python-compatible
// JSON text.
//
// Celery's JSON is Python's `json.dumps` with default settings: `", "` and `": "` separators,
// `ensure_ascii` (every non-ASCII character becomes a lowercase `\uXXXX` escape, astral
// characters a surrogate pair), floats written as Python's `repr(float)` (`1.0`, `1e+100`),
// and `NaN`/`Infinity` for non-finite floats. Dict order is insertion order. To reproduce
// Celery's bytes exactly, ferry's Celery components therefore uses `nlohmann::ordered_json` (keys
// keep the order they were inserted or parsed in) rather than `nlohmann::json` (keys sorted). An
// `nlohmann::json` converts implicitly; its keys then come out sorted.
//
//   ferry::celery::protocol::json kwargs = {{"name", "Zoë"}, {"n", 2}};
//   std::string text = ferry::celery::protocol::python_json_dumps(kwargs);
//   // {"name": "Zo\u00eb", "n": 2}
//
// The one thing to know: nlohmann keeps integers in 64 bits; a larger integer in input is
// read as a double (Python keeps it exact).
//
// Thread safety: free functions on values; thread-compatible.
// Errors: parse_json throws ferry::error(errc::decode_error); python_json_dumps throws
// std::invalid_argument for strings that are not valid UTF-8 and for binary values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// JSON value with insertion-ordered objects (Python dict semantics).
using json = nlohmann::ordered_json;

/// Serialises like Python's `json.dumps(value)` with default arguments (kombu's json codec).
[[nodiscard]] FERRY_API std::string python_json_dumps(const json& value);

/// Limits for parse_json.
struct json_parse_options {
  /// Deepest nesting of arrays/objects accepted (Python's json fails near 1000).
  std::size_t max_depth = 512;
};

/// Parses JSON text. `what` names the input in error messages (e.g. "task body").
/// Throws ferry::error(errc::decode_error) on invalid JSON, invalid UTF-8 or too deep nesting.
[[nodiscard]] FERRY_API json parse_json(std::string_view text, std::string_view what,
                                        const json_parse_options& options = {});

}  // namespace ferry::celery::protocol
