// ferry/celery/protocol/task_request.hpp — a Celery task invocation, and its protocol-v2 message
// form.
//
// `task_request` holds everything a Celery 5.2 task message says: the sixteen headers
// (lang, task, id, shadow, eta, expires, group, group_index, retries, timelimit, root_id,
// parent_id, argsrepr, kwargsrepr, origin, ignore_result), any other header (kept in
// `extra_headers`), and the body `[args, kwargs, embed]`. `build_message` turns it into the
// exact headers, properties and body bytes Celery's `apply_async` produces; `parse_message`
// reads what any Celery 5.x producer sends (protocol 2, the "hybrid" v2-headers/dict-body
// form, and protocol 1) back into a task_request.
//
//   ferry::celery::protocol::task_request r{.task = "tasks.add", .id =
//   ferry::celery::protocol::new_task_id(),
//                                 .args = {2, 3}};
//   r.eta = std::chrono::system_clock::now() + std::chrono::seconds(60);
//   ferry::celery::protocol::task_message m = ferry::celery::protocol::build_message(r);
//   ferry::celery::protocol::task_request back = ferry::celery::protocol::parse_message(m);
//
// The ones a reader gets wrong: `timelimit` is `[hard, soft]`; `root_id` defaults to the
// task's own id; `embed.chain` lists the remaining steps with the NEXT step LAST; argsrepr is
// Celery's saferepr, not repr (see python_repr.hpp).
//
// Thread safety: value types and pure functions; thread-compatible.
// Errors: parse_message throws ferry::error — errc::decode_error for malformed messages (bad
// JSON, missing `task`/`id`, wrong types, body too large), errc::unsupported for content
// types other than application/json, encodings other than UTF-8 and compressed bodies.
// build_message throws std::invalid_argument for an empty task name or id or a non-array
// `args` / non-object `kwargs`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/celery/protocol/signature.hpp"
#include "ferry/celery/protocol/task_message.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// A task invocation as Celery's task protocol 2 describes it.
struct task_request {
  using time_point = std::chrono::system_clock::time_point;
  using seconds_d = std::chrono::duration<double>;

  /// Registered task name (`task` header), e.g. "tasks.add". Required.
  std::string task{};
  /// Task id (`id` header), normally a uuid4 string (new_task_id()). Required.
  std::string id{};
  /// Positional arguments: a JSON array.
  json args = json::array();
  /// Keyword arguments: a JSON object (order is kept, as in Python).
  json kwargs = json::object();

  /// `lang`: "py" in every Celery message; informational.
  std::string lang = "py";
  /// `shadow`: display name used by the worker instead of `task` in logs.
  std::optional<std::string> shadow{};
  /// `eta`: do not run before this instant.
  std::optional<time_point> eta{};
  /// `expires`: the worker revokes the task (REVOKED) if it receives it after this instant.
  std::optional<time_point> expires{};
  /// `group`: group id for group/chord members.
  std::optional<std::string> group{};
  /// `group_index`: position in a chord header (null for plain group members in 5.2).
  std::optional<std::int64_t> group_index{};
  /// `retries`: 0 on first publish, +1 on each retry.
  std::int64_t retries = 0;
  /// `timelimit[0]`: hard time limit. Integral values are written as JSON integers.
  std::optional<seconds_d> time_limit{};
  /// `timelimit[1]`: soft time limit.
  std::optional<seconds_d> soft_time_limit{};
  /// `root_id`: first task of the workflow; nullopt when building means "this task's id".
  std::optional<std::string> root_id{};
  /// `parent_id`: the task that published this one (callback, chain step, retry).
  std::optional<std::string> parent_id{};
  /// `argsrepr`; nullopt when building means celery_saferepr(args) (tuple style).
  std::optional<std::string> argsrepr{};
  /// `kwargsrepr`; nullopt when building means celery_saferepr(kwargs).
  std::optional<std::string> kwargsrepr{};
  /// `origin`: sender node name; nullopt when building means "gen<pid>@<hostname>".
  std::optional<std::string> origin{};
  /// `ignore_result`: the worker stores no result.
  bool ignore_result = false;

  /// embed.callbacks (link): applied with the result on success.
  std::optional<std::vector<signature>> callbacks{};
  /// embed.errbacks (link_error): applied with the task id on failure.
  std::optional<std::vector<signature>> errbacks{};
  /// embed.chain: remaining chain steps, the NEXT step LAST; [] on the last step.
  std::optional<std::vector<signature>> chain{};
  /// embed.chord: the chord body, on chord header tasks.
  std::optional<signature> chord{};

  /// Every other header, in order (user headers, `stamped_headers`/`stamps` from Celery 5.3+,
  /// `redelivered` added by kombu's Redis restore, ...). Written after the sixteen.
  json extra_headers = json::object();

  /// Task protocol of the parsed message: 2, or 1 for legacy messages. Ignored when building
  /// (ferry always builds protocol 2).
  int protocol = 2;

  friend bool operator==(const task_request&, const task_request&) = default;
};

/// How build_message fills what the request does not say.
struct build_options {
  /// `reply_to` property; Celery writes its per-thread oid, or "" when it has none.
  std::string reply_to{};
  /// `priority` property, 0..9. Celery always sends one, except when routing to a queue
  /// declared on the fly (captured: `queue="other"` on AMQP had none); nullopt omits it.
  std::optional<std::uint8_t> priority = 0;
  /// `delivery_mode` property: 2 persistent, 1 transient.
  std::uint8_t delivery_mode = 2;
  /// Write the generated argsrepr as a tuple `(2, 3)` (apply_async) rather than a list
  /// `[2, 3]` (send_task with a list).
  bool argsrepr_as_tuple = true;
  /// Budget of the generated argsrepr/kwargsrepr (Celery's argsrepr_maxsize).
  std::size_t repr_maxsize = 1024;
  /// "Now" for the `expiration` property (ms until `expires`, "0" if past). nullopt =
  /// system_clock::now(). No expiration property is written when `expires` is unset.
  std::optional<std::chrono::system_clock::time_point> now{};
};

/// The protocol-2 message Celery 5.2's apply_async/send_task produces for `request`.
[[nodiscard]] FERRY_API task_message build_message(const task_request& request,
                                                   const build_options& options = {});

/// Limits for parse_message.
struct parse_options {
  /// Larger bodies are rejected with errc::decode_error (kombu has no limit).
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  /// Deepest JSON nesting accepted in the body.
  std::size_t max_json_depth = 512;
};

/// Reads a Celery task message (protocol 2, hybrid or protocol 1). Headers the protocol does
/// not define go to `extra_headers`; a missing optional header takes its default.
[[nodiscard]] FERRY_API task_request parse_message(const task_message& message,
                                                   const parse_options& options = {});

/// The body JSON `[args, kwargs, {"callbacks", "errbacks", "chain", "chord"}]`.
[[nodiscard]] FERRY_API json make_body(const task_request& request);

/// A fresh random (version 4) UUID in canonical lowercase form, for task ids.
[[nodiscard]] FERRY_API std::string new_task_id();

/// `gen<pid>@<hostname>`, the node name Celery puts in `origin` for non-worker senders.
[[nodiscard]] FERRY_API std::string default_origin();

}  // namespace ferry::celery::protocol
