// ferry/celery/protocol/task_result.hpp — the task state/result record of Celery's key-value result
// backends (Redis: the value of `celery-task-meta-<id>`, also PUBLISHed on a channel of the
// same name).
//
// Celery 5.2.6 writes, in this key order:
//   {"status": "SUCCESS", "result": 4, "traceback": null, "children": [],
//    "date_done": "2026-11-22T16:02:42.139594", ["group_id": ...,] ["parent_id": ...,]
//    [name, args, kwargs, worker, retries, queue (result_extended),] "task_id": "..."}
// `date_done` is NAIVE UTC (no offset; fraction omitted when zero) and null for STARTED/RETRY.
// Failures store an exception dict `{"exc_type", "exc_message": [args...], "exc_module"}`.
// PENDING is never stored: a missing key means PENDING.
//
//   auto r = ferry::celery::protocol::task_result::success(id, 4,
//   std::chrono::system_clock::now()); redis.setex(ferry::celery::protocol::result_key(id), 86400,
//   r.to_json()); auto back = ferry::celery::protocol::task_result::from_json(text);
//
// Thread safety: value types; thread-compatible.
// Errors: from_json throws ferry::error(errc::decode_error) for invalid JSON or a missing /
// ill-typed `status` or `task_id`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// Celery's built-in state names. Custom states (`update_state(state="PROGRESS")`) are any
/// other string, which is why task_result::status is a string.
namespace states {
inline constexpr std::string_view pending = "PENDING";
inline constexpr std::string_view received = "RECEIVED";
inline constexpr std::string_view started = "STARTED";
inline constexpr std::string_view retry = "RETRY";
inline constexpr std::string_view failure = "FAILURE";
inline constexpr std::string_view success = "SUCCESS";
inline constexpr std::string_view revoked = "REVOKED";
inline constexpr std::string_view rejected = "REJECTED";
}  // namespace states

/// SUCCESS, FAILURE or REVOKED: the states that end an AsyncResult.get() wait.
[[nodiscard]] FERRY_API bool is_ready_state(std::string_view status) noexcept;

/// FAILURE, RETRY or REVOKED: the states whose `result` is an exception dict.
[[nodiscard]] FERRY_API bool is_exception_state(std::string_view status) noexcept;

/// `celery-task-meta-<task_id>`: the key and the pub/sub channel of a task's result.
[[nodiscard]] FERRY_API std::string result_key(std::string_view task_id);

/// `celery-taskset-meta-<group_id>`: the key of a saved GroupResult.
[[nodiscard]] FERRY_API std::string group_result_key(std::string_view group_id);

/// A Python exception as Celery's JSON result serializer writes it.
struct FERRY_API exception_info {
  /// The class `__qualname__`, e.g. "ValueError".
  std::string type{};
  /// The exception's args (a JSON array), e.g. ["bad input", 42].
  json message = json::array();
  /// The module, "builtins" for built-in exceptions; nullopt writes null.
  std::optional<std::string> module = "builtins";

  /// `{"exc_type": ..., "exc_message": [...], "exc_module": ...}`.
  [[nodiscard]] json to_json() const;
  /// nullopt when `j` is not an object with a string `exc_type`.
  [[nodiscard]] static std::optional<exception_info> from_json(const json& j);

  friend bool operator==(const exception_info&, const exception_info&) = default;
};

/// The `result_extended=True` fields; null members write null.
struct extended_result_fields {
  std::optional<std::string> name{};    ///< task name
  json args = nullptr;                  ///< positional args (array) or null
  json kwargs = nullptr;                ///< keyword args (object) or null
  std::optional<std::string> worker{};  ///< worker node name
  std::optional<std::int64_t> retries{};
  std::optional<std::string> queue{};  ///< delivery routing key

  friend bool operator==(const extended_result_fields&, const extended_result_fields&) = default;
};

/// One stored task state.
struct FERRY_API task_result {
  using time_point = std::chrono::system_clock::time_point;

  std::string task_id{};
  /// One of `states::*` or a custom state.
  std::string status{states::pending};
  /// Return value (SUCCESS), exception dict (FAILURE/RETRY/REVOKED), meta (custom/STARTED).
  json result = nullptr;
  /// Python's formatted traceback text.
  std::optional<std::string> traceback{};
  /// Result tuples of the children, e.g. [[["<id>", null], null]].
  json children = json::array();
  /// Set for ready states; written as naive UTC `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
  std::optional<time_point> date_done{};
  /// Written only when set (group/chord members).
  std::optional<std::string> group_id{};
  /// Written only when set (callbacks, chain steps, retries).
  std::optional<std::string> parent_id{};
  /// Written only when set (result_extended=True).
  std::optional<extended_result_fields> extended{};
  /// Other keys (later Celery versions), written before task_id.
  json extra = json::object();

  /// The exception when `result` is an exception dict.
  [[nodiscard]] std::optional<exception_info> exception() const;

  /// Text byte-compatible with Celery 5.2.6's Redis backend.
  [[nodiscard]] std::string to_json() const;
  /// Reads what Celery 5.x writes (date_done naive or with offset).
  [[nodiscard]] static task_result from_json(std::string_view text);

  /// SUCCESS with `value`, done at `now`.
  [[nodiscard]] static task_result success(std::string task_id, json value, time_point now);
  /// FAILURE with `exc` and an optional traceback, done at `now`.
  [[nodiscard]] static task_result failure(std::string task_id, const exception_info& exc,
                                           std::optional<std::string> traceback, time_point now);

  friend bool operator==(const task_result&, const task_result&) = default;
};

}  // namespace ferry::celery::protocol
