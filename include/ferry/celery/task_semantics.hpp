// ferry/celery/task_semantics.hpp — what Celery does with a task, as pure functions: from the
// request, how its handler ended and the time, to the effects the worker carries out (results
// to store, messages to publish, log lines), in order.
//
// The worker (worker.hpp) owns threads, queues and I/O; every Celery rule it follows lives
// here, where it is tested without a broker or a backend (tests/unit, against messages captured
// from Celery 5.2.6): app/trace.py (success, callbacks, chain, failure, errbacks),
// app/task.py (retry), worker/request.py (expiry), the worker's NotRegistered and time limits.
//
// The one behaviour a reader would get wrong: order matters and is part of the result. On
// success the callbacks and the next chain step are published BEFORE the SUCCESS is stored
// (trace.py); on a failure with errbacks the FAILURE is stored immediately, before the errbacks
// are published (they may read it); a retry publishes the new message before storing RETRY.
// A store that is not `immediately` may be batched with others after the task (the worker's
// finisher); an immediate one must be written before the next effect.
//
//   ferry::celery::task_policy policy{.hostname = "w1@host"};
//   auto effects = ferry::celery::on_outcome(request, {"celery", 0},
//                                            ferry::celery::task_succeeded{json(5)}, policy,
//                                            std::chrono::system_clock::now());
//   for (const auto& e : effects) std::visit(runner, e);   // store / publish / log
//
// Thread safety: pure functions of their arguments (policy.new_id is called if set).
// Errors: none of their own; the handler's failures are values (handler_outcome).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ferry/celery/types.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// Severity of the worker's log lines: ferry's (debug, info, warning, error are used).
using log_level = ferry::log_level;

/// The worker settings Celery's rules depend on.
struct task_policy {
  /// Node name: `origin` of the messages the worker publishes, `hostname` in STARTED.
  std::string hostname{};
  /// Celery's default_retry_delay and max_retries.
  std::chrono::milliseconds default_retry_delay{std::chrono::minutes(3)};
  std::int64_t max_retries = 3;
  /// Task ids for published signatures without a `task_id` option; empty = protocol::new_task_id.
  std::function<std::string()> new_id{};
  /// false: no info-level log effects (the worker clears it when nothing listens, so a busy
  /// worker does not build a line per task for nobody).
  bool info_lines = true;
};

/// Where the task came from: the queue (routing key) retries and callbacks go to by default,
/// and the priority a retry keeps.
struct task_origin {
  std::string queue{};
  int priority = 0;
};

/// The handler returned `value`.
struct task_succeeded {
  json value = nullptr;
};
/// The handler failed with `exc` (a C++ exception's type, [what()], "ferry"; or a Celery one).
struct task_raised {
  exception_info exc{};
  /// The one-line traceback stored with the FAILURE; nullopt = none.
  std::optional<std::string> traceback{};
};
/// The handler asked for a retry (task_context::retry).
struct task_retry_requested {
  std::optional<std::chrono::milliseconds> countdown{};  ///< nullopt = default_retry_delay
  std::optional<exception_info> exc{};                   ///< stored in RETRY/FAILURE
  std::optional<std::int64_t> max_retries{};             ///< nullopt = the policy's
};
using handler_outcome = std::variant<task_succeeded, task_raised, task_retry_requested>;

/// Write `result` to the result backend; `immediately` = before the next effect.
struct store_effect {
  task_result result{};
  bool immediately = false;
};
/// Publish `message` to `queue` with `priority`. `required`: a failed publish stops the
/// effects that follow (the task's own result is then not stored, so it is visibly not done);
/// otherwise (errbacks) it is logged and the rest goes on.
struct publish_effect {
  task_message message{};
  std::string queue{};
  int priority = 0;
  std::string task_id{};
  bool required = true;
};
/// A line for worker_options::log.
struct log_effect {
  log_level level = log_level::info;
  std::string text{};
};
using task_effect = std::variant<store_effect, publish_effect, log_effect>;
using task_effects = std::vector<task_effect>;

/// What to do with a message just received (or whose eta came due).
enum class receive_action {
  run,     ///< hand it to a handler now
  hold,    ///< keep it (unacked) until `run_at`, then decide again
  revoke,  ///< expired: carry out `effects`, ack, never run
  reject,  ///< no handler: carry out `effects`, dead-letter with `reason`, then ack
};
struct receive_decision {
  receive_action action = receive_action::run;
  std::optional<std::chrono::system_clock::time_point> run_at{};
  std::string reason{};
  task_effects effects{};
};

/// Celery's decision for a received task: unregistered → reject (FAILURE NotRegistered);
/// expired → revoke (REVOKED TaskRevokedError "expired", unless ignore_result); eta in the
/// future → hold; else run. `dead_letter_to` names the destination in the log line.
[[nodiscard]] FERRY_API receive_decision on_receive(const task_request& request, bool registered,
                                                    std::string_view dead_letter_to,
                                                    std::chrono::system_clock::time_point now);

/// The effects of a finished handler (see the file comment for the order).
/// `outcome` is taken by value: a success's value moves into the stored result.
[[nodiscard]] FERRY_API task_effects on_outcome(const task_request& request,
                                                const task_origin& origin, handler_outcome outcome,
                                                const task_policy& policy,
                                                std::chrono::system_clock::time_point now);

/// The STARTED meta track_started stores ({pid, hostname}).
[[nodiscard]] FERRY_API task_result started_meta(const task_request& request, long long pid,
                                                 std::string_view hostname);

/// The effects of a task past its hard time limit: FAILURE TimeLimitExceeded [seconds], stored
/// immediately (the process may end next), and an error line.
[[nodiscard]] FERRY_API task_effects on_hard_time_limit(std::string_view task_id,
                                                        std::chrono::milliseconds limit,
                                                        std::chrono::system_clock::time_point now);

/// The effective limits of a task: the message's `timelimit`, else the worker's.
struct time_limits {
  std::optional<std::chrono::milliseconds> soft{}, hard{};
};
[[nodiscard]] FERRY_API time_limits limits_for(const task_request& request,
                                               std::optional<std::chrono::milliseconds> soft,
                                               std::optional<std::chrono::milliseconds> hard);

}  // namespace ferry::celery
