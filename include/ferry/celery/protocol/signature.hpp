// ferry/celery/protocol/signature.hpp — a Celery signature ("subtask"): a task call to make later.
//
// Signatures travel inside a task body's `embed`: `callbacks` (link), `errbacks` (link_error),
// `chain` (the remaining chain steps, next step LAST) and `chord` (the chord body). Celery 5.2
// writes them as the dict
//   {"task": "tasks.mul", "args": [10], "kwargs": {}, "options": {}, "subtask_type": null,
//    "immutable": false}
// in exactly that key order (5.2 has no `chord_size` key; later versions add keys, which
// from_json keeps in `extra` and to_json writes back after the known ones).
//
//   ferry::celery::protocol::signature cb{.task = "tasks.mul", .args = {10}};
//   cb.options["queue"] = "math";
//   ferry::celery::protocol::json j = cb.to_json();
//
// Thread safety: value type; thread-compatible.
// Errors: from_json throws ferry::error(errc::decode_error) on a missing/ill-typed field.
#pragma once

#include <optional>
#include <string>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// One task invocation to be made by the worker (a callback, errback or chain step).
struct FERRY_API signature {
  /// Registered task name, e.g. "tasks.mul"; "celery.group"/"celery.chain"/"celery.chord" for
  /// canvas primitives.
  std::string task{};
  /// Positional arguments (a JSON array). Unless `immutable`, the worker PREPENDS the parent's
  /// result (callbacks, chain steps) or the failed task id (errbacks).
  json args = json::array();
  /// Keyword arguments (a JSON object).
  json kwargs = json::object();
  /// apply_async options: task_id, queue, priority, link, ... (a JSON object).
  json options = json::object();
  /// nullopt for a plain task; "chain", "group" or "chord" for canvas primitives.
  std::optional<std::string> subtask_type{};
  /// `.si()`: the worker does not prepend the parent's result.
  bool immutable = false;
  /// Keys Celery 5.2 does not write (e.g. `chord_size` from 5.3), kept in order.
  json extra = json::object();

  /// Celery's dict form, keys in Celery's order.
  [[nodiscard]] json to_json() const;

  /// Reads Celery's dict form; `args`, `kwargs`, `options`, `subtask_type`, `immutable` may be
  /// missing (defaults above); `task` is required.
  [[nodiscard]] static signature from_json(const json& j);

  friend bool operator==(const signature&, const signature&) = default;
};

}  // namespace ferry::celery::protocol
