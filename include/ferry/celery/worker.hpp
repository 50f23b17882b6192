// ferry/celery/worker.hpp — a Celery worker in C++: runs registered handlers for tasks that
// Python (or ferry) clients send over any ferry::celery::broker (Redis, RabbitMQ, in memory),
// and stores results in any ferry::celery::result_backend (with Celery's Redis result backend,
// Python's AsyncResult reads them).
//
// Behaviour follows Celery 5.2.6 (celery/worker/request.py, app/trace.py); the rules are the pure
// functions of task_semantics.hpp (what to store, publish, ack for each outcome), which the
// worker carries out:
// The worker runs on ferry::worker_runtime (ferry/core/worker_runtime.hpp): its fetch thread
// takes messages from the broker and settles them, `concurrency` handler threads run tasks.
// * early ack (default): the message is acked when a handler thread takes it; a crash during
//   the task loses it. The ack is sent by the fetch thread together with its next fetch
//   (Redis: the same round trip), at most about 50 ms later — Celery also defers its acks to
//   its event loop. A crash before it is sent leaves the message to the broker (Redis: the
//   visibility timeout; RabbitMQ: redelivery), so it may run again.
//   `acks_late`: acked after the result is stored; a crash leaves it in kombu's `unacked`
//   hash and any consumer (ferry or Python) restores it after the visibility timeout.
// * round trips: the fetch thread fetches as many messages as `prefetch` has room for
//   (broker::fetch_many; one round trip on Redis); handler threads do no I/O for a plain
//   task: a finisher thread writes the results that accumulated in one pipelined round trip
//   (a late ack follows once its result is written). Writes others must see first are made at
//   once: STARTED, and a FAILURE that has errbacks.
// * eta/countdown: held in a timer heap (unacked, not counted against `prefetch`; on RabbitMQ
//   basic.qos is raised by one per held message, as Celery does) until due; other tasks keep
//   running. On Redis keep eta below the visibility timeout (Celery has the same rule).
// * expires: a task received or due after its `expires` is not run: REVOKED
//   (TaskRevokedError "expired"), acked. On RabbitMQ the message's `expiration` TTL usually
//   makes the broker drop it first: then nothing is stored (PENDING), exactly as with Celery.
// * retries: ctx.retry(countdown) publishes the same task id with retries+1, an eta and
//   parent_id = own id, stores RETRY, acks; past max_retries it stores FAILURE.
// * link / chain: on success the callbacks and the next chain step (the LAST element of
//   embed.chain, carrying the rest) are published with the result prepended to their args
//   (unless immutable); link_error: errbacks are published with the failed id prepended.
// * results: SUCCESS value; a C++ exception is FAILURE {exc_type: demangled type name (e.g.
//   "std::runtime_error"), exc_message: [what()], exc_module: "ferry"}; Python rebuilds it
//   as an exception class of that name.
// * unknown task: FAILURE NotRegistered (as Celery) and the message is kept in the dead-letter
//   destination `<queue>.dlq` (broker::dead_letter: a Redis list of JSON entries, or a durable
//   RabbitMQ queue with x-ferry-error headers); undecodable messages go there too; nothing is
//   dropped.
// * time limits: the soft limit sets a flag the handler polls (ctx.check_soft_time_limit()
//   throws soft_time_limit_exceeded → FAILURE SoftTimeLimitExceeded). A thread cannot be
//   killed: past the hard limit the worker stores FAILURE TimeLimitExceeded, acks it (so it is
//   not re-run) and calls `on_hard_time_limit`, by default std::_Exit(70) so a supervisor
//   restarts the process; other in-flight acks_late tasks are restored by the visibility timeout.
//
//   ferry::celery::worker w{broker, backend, {.concurrency = 4}};
//   w.register_task("tasks.add", [](const json& a, const json&, task_context&) {
//     return json(a[0].get<long>() + a[1].get<long>()); });
//   w.run();   // until w.stop() (signal-safe)
//
// Thread safety: register_task before run(); stop() from any thread or a signal handler.
// Errors: run() throws ferry::error only for broker failures it cannot ride out (it retries
// transient ones with backoff, logging them), after a graceful stop; handler exceptions become
// FAILURE results.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/broker.hpp"
#include "ferry/celery/result_backend.hpp"
#include "ferry/celery/task_semantics.hpp"
#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// Thrown by task_context::retry(), or by a handler directly, to request a retry.
/// Thread safety: thread-compatible value. Errors: none (it is the error).
class FERRY_API retry_request : public std::runtime_error {
 public:
  explicit retry_request(std::optional<std::chrono::milliseconds> countdown = {},
                         std::optional<exception_info> exc = {},
                         std::optional<std::int64_t> max_retries = {});
  std::optional<std::chrono::milliseconds> countdown;  ///< nullopt = default_retry_delay
  std::optional<exception_info> exc;                   ///< stored in the RETRY/FAILURE meta
  std::optional<std::int64_t> max_retries;             ///< nullopt = worker default
};

/// Thrown by task_context::check_soft_time_limit() once the soft limit has passed.
class FERRY_API soft_time_limit_exceeded : public std::runtime_error {
 public:
  soft_time_limit_exceeded() : std::runtime_error("SoftTimeLimitExceeded()") {}
};

/// What a handler sees of its task. Valid only during the handler call.
/// Thread safety: one per running task; soft_time_limit_exceeded() may be read from any thread.
/// Errors: retry() throws retry_request, check_soft_time_limit() soft_time_limit_exceeded.
class FERRY_API task_context {
 public:
  task_context(const task_request& request, const std::atomic<bool>& soft_limit_flag)
      : request_(request), soft_(soft_limit_flag) {}
  [[nodiscard]] const task_request& request() const noexcept { return request_; }
  [[nodiscard]] const std::string& id() const noexcept { return request_.id; }
  [[nodiscard]] std::int64_t retries() const noexcept { return request_.retries; }
  /// Requests a retry (throws retry_request; never returns).
  [[noreturn]] void retry(std::optional<std::chrono::milliseconds> countdown = {},
                          std::optional<exception_info> exc = {},
                          std::optional<std::int64_t> max_retries = {}) const;
  /// True once the soft time limit has passed.
  [[nodiscard]] bool soft_time_limit_exceeded() const noexcept { return soft_.load(); }
  /// Throws celery::soft_time_limit_exceeded once the soft time limit has passed.
  void check_soft_time_limit() const;

 private:
  const task_request& request_;
  const std::atomic<bool>& soft_;
};

/// A task implementation: returns the result (any JSON); throws to fail.
using task_handler = std::function<json(const json& args, const json& kwargs, task_context&)>;

struct worker_options {
  /// Queues consumed (on Redis each with its four priority lists).
  std::vector<std::string> queues{"celery"};
  /// Handler threads.
  std::size_t concurrency = 1;
  /// Messages taken from the broker and not yet acked, as Celery counts them: tasks waiting
  /// for a handler thread, plus the running ones with `acks_late` (an early-acked task leaves
  /// the window as it starts, so the next ones are fetched while it runs). Held eta tasks are
  /// not counted (Celery raises its prefetch for those too). At least `concurrency`.
  std::size_t prefetch = 4;
  /// Most eta/countdown messages held at once; beyond it the worker stops fetching.
  std::size_t max_eta_held = 1000;
  /// Ack after the result is stored (Celery's acks_late) instead of before running.
  bool acks_late = false;
  /// Store STARTED {pid, hostname} before running (task_track_started).
  bool track_started = false;
  /// Node name in STARTED metas and in retry `origin`; "" = "celery@<hostname>".
  std::string hostname{};
  /// Celery's default_retry_delay and max_retries.
  std::chrono::milliseconds default_retry_delay{std::chrono::minutes(3)};
  std::int64_t max_retries = 3;
  /// Limits for tasks whose message has none (the message's `timelimit` wins).
  std::optional<std::chrono::milliseconds> soft_time_limit{};
  std::optional<std::chrono::milliseconds> time_limit{};
  /// How often broker::maintain() (Redis: restore_visible) runs, plus once at start.
  /// kombu: about every 100 s.
  std::chrono::milliseconds restore_interval{std::chrono::seconds(10)};
  /// Limits for incoming messages (body size, JSON depth); beyond them: dead letter.
  parse_options parse{};
  /// Dead letters go to `<queue><suffix>` (see broker::dead_letter).
  std::string dead_letter_suffix = ".dlq";
  /// Log lines (component "celery.worker"; the library never prints), from several threads.
  ferry::observer observer{};
  /// Called after a hard time limit has been recorded; default std::_Exit(70).
  std::function<void()> on_hard_time_limit{};
};

class FERRY_API worker {
 public:
  worker(std::shared_ptr<broker> broker, std::shared_ptr<result_backend> backend,
         worker_options options = {});
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Registers `handler` for the task `name` (e.g. "tasks.add"). Before run() only.
  void register_task(std::string name, task_handler handler);

  /// Consumes until stop(): then stops fetching, restores held eta messages, finishes and acks
  /// the tasks in flight, and returns. After a broker failure it cannot ride out (a wrong
  /// password, a missing queue) it stops the same way, then throws that ferry::error.
  void run();

  /// Asks run() to return (async-signal-safe: sets an atomic flag).
  void stop() noexcept { stop_.store(true); }

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
  std::atomic<bool> stop_{false};
};

}  // namespace ferry::celery
