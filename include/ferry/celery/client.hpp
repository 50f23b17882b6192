// ferry/celery/client.hpp — send Celery tasks over any broker and get their results from any
// result backend (the C++ side of `app.send_task(...)` / `AsyncResult.get()`).
//
// send_task builds the exact protocol-2 message Celery 5.2 sends (protocol::build_message) and
// hands it to the broker: redis::broker wraps it in kombu's envelope and LPUSHes it;
// amqp::broker publishes it persistent to the default exchange with routing key = queue.
// Priority follows the broker's meaning: on Redis 0 is served first, on RabbitMQ 9
// (x-max-priority queues only).
//
//   ferry::celery::redis::register_plugin();   // ferry::celery_redis: redis:// URLs
//   ferry::celery::client app{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"};
//   auto r = app.send_task("tasks.add", {2, 3}, {}, {.countdown = std::chrono::seconds(5)});
//   ferry::celery::json five = r.get(std::chrono::seconds(30));
//
// Thread safety: thread-safe.
// Errors: ferry::error from the broker and the result backend; std::invalid_argument for an
// empty task name or args that are not an array / kwargs that are not an object (null means
// empty for both).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/async_result.hpp"
#include "ferry/celery/broker.hpp"
#include "ferry/celery/result_backend.hpp"
#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// apply_async/send_task options.
struct send_options {
  using time_point = std::chrono::system_clock::time_point;
  /// Run no earlier than now + countdown (sets `eta`). Wins over `eta`.
  std::optional<std::chrono::milliseconds> countdown{};
  std::optional<time_point> eta{};
  /// The worker revokes (REVOKED, "expired") a task it receives after this instant.
  std::optional<time_point> expires{};
  /// 0..9; on Redis 0 is consumed first (kombu lists q, q\x06\x163, q\x06\x166, q\x06\x169);
  /// on RabbitMQ 9 is, if the queue was declared with x-max-priority.
  int priority = 0;
  std::string queue = "celery";
  /// Callbacks on success: applied with the result prepended to their args.
  std::vector<signature> link{};
  /// Errbacks on failure: applied with the failed task id prepended.
  std::vector<signature> link_error{};
  /// Remaining chain steps, the NEXT step LAST (Celery's embed.chain order).
  std::vector<signature> chain{};
  bool ignore_result = false;
  /// nullopt = a fresh uuid4.
  std::optional<std::string> task_id{};
  std::optional<std::string> parent_id{};
  std::optional<std::string> root_id{};
  std::optional<std::chrono::duration<double>> time_limit{};
  std::optional<std::chrono::duration<double>> soft_time_limit{};
};

/// One task of a send_tasks() batch.
struct task_call {
  std::string name{};
  json args = json::array();
  json kwargs = json::object();
  send_options options{};
};

class FERRY_API client {
 public:
  /// open_broker(broker_url) and open_backend(backend_url) (registry.hpp): the plug-ins of
  /// those schemes must be registered.
  client(std::string_view broker_url, std::string_view backend_url);
  client(std::shared_ptr<celery::broker> broker, std::shared_ptr<result_backend> backend);

  /// Publishes the task; returns the handle on its result.
  async_result send_task(std::string_view name, json args = json::array(),
                         json kwargs = json::object(), const send_options& options = {});

  /// send_task() for many tasks in ONE pipelined write to the broker (one round trip instead
  /// of one per task); same messages, same order. Throws like send_task before sending
  /// anything when one call is invalid.
  std::vector<async_result> send_tasks(std::span<const task_call> calls);

  /// A handle on an existing task id.
  [[nodiscard]] async_result result(std::string task_id) const;

  [[nodiscard]] const std::shared_ptr<celery::broker>& broker() const noexcept { return broker_; }
  [[nodiscard]] const std::shared_ptr<result_backend>& backend() const noexcept { return backend_; }

 private:
  std::shared_ptr<celery::broker> broker_;
  std::shared_ptr<result_backend> backend_;
};

}  // namespace ferry::celery
