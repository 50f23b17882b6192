// ferry/celery/protocol/python_repr.hpp — Python's repr() and Celery's saferepr() of JSON values.
//
// Celery puts a printable form of the task arguments in the `argsrepr` and `kwargsrepr`
// headers (shown by Flower, logs, `celery inspect`). It is NOT Python's repr(): Celery 5.2
// uses `celery.utils.saferepr.saferepr(args, 1024)`, which
//   * always quotes strings with `'` and escapes only `'` (a newline, tab or backslash is
//     written raw, non-ASCII as is),
//   * writes containers nested 3 levels deep as `{...}` / `[...]`,
//   * stops after about 1024 characters with `, ...` and the pending closing brackets,
//     cutting long strings at a space and adding `...`.
// `celery_saferepr` reproduces that byte for byte (this is what build_message uses);
// `python_repr` is the real `repr()` (quote choice, `\n`/`\xNN`/`\uNNNN` escapes for
// non-printable characters, Python 3.11's Unicode tables).
//
//   celery_saferepr(json::array({2, 3}), {.top_level_tuple = true});  // "(2, 3)"
//   python_repr(json{{"a", nullptr}});                              // "{'a': None}"
//
// JSON maps to Python as: null→None, true/false→True/False, integers→int, floats→float
// (`1.0`, `1e+100`, `nan`, `inf`), string→str, array→list (or tuple at top level when
// asked), object→dict.
//
// Thread safety: free functions on values; thread-compatible.
// Errors: std::invalid_argument for strings that are not valid UTF-8 or binary values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// Python's `repr()` of the value. With `top_level_tuple`, a top-level array is shown as a
/// tuple: `(1, 2)`, `(1,)`, `()`.
[[nodiscard]] FERRY_API std::string python_repr(const json& value, bool top_level_tuple = false);

/// Settings of celery_saferepr; the defaults are what Celery 5.2 uses for argsrepr/kwargsrepr.
struct saferepr_options {
  /// Approximate output length budget in characters (code points); nullopt = unlimited.
  std::optional<std::size_t> maxlen = 1024;
  /// Containers at this nesting level or deeper print as `[...]`; 0 = unlimited.
  std::size_t maxlevels = 3;
  /// Show a top-level array as a tuple (Celery's `apply_async` passes args as a tuple).
  bool top_level_tuple = false;
};

/// `celery.utils.saferepr.saferepr(value, maxlen, maxlevels)` of Celery 5.2.
[[nodiscard]] FERRY_API std::string celery_saferepr(const json& value,
                                                    const saferepr_options& options = {});

}  // namespace ferry::celery::protocol
