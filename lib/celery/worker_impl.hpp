// worker::impl: what the handler threads, the finisher and the fetch side share. The fetch side
// (worker_source.hpp) is a ferry::delivery_source that ferry::worker_runtime drives; the runtime
// runs each task on a handler thread through run_delivery(), which carries out the effects
// task_semantics decides.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "celery/worker_parts.hpp"
#include "ferry/celery/worker.hpp"
#include "ferry/core/delivery.hpp"
#include "ferry/core/worker_runtime.hpp"

namespace ferry::celery {

struct worker::impl {
  impl(std::shared_ptr<celery::broker> b, std::shared_ptr<result_backend> r, worker_options o);

  std::shared_ptr<celery::broker> broker;
  std::shared_ptr<result_backend> backend;
  worker_options opt;
  task_policy policy;
  detail::worker_log log;
  std::map<std::string, task_handler, std::less<>> handlers;
  detail::result_finisher finisher;
  detail::time_limit_watch limits;

  /// The runtime's options for these worker options: Celery's prefetch window in the
  /// runtime's terms, early or late acks.
  [[nodiscard]] worker_runtime_options runtime_options() const;
  /// The runtime's handler: runs the task in `d.native` and hands its results to the finisher.
  outcome run_delivery(const delivery& d);
  /// Carries out `effects` in order; stores that are not immediate go to `j`'s batch (all are
  /// immediate without a job). A required publish that fails throws, skipping the rest.
  void carry_out(task_effects& effects, detail::job* j);
  void safe_ack(const std::string& tag);
  /// Returns false when the copy could not be kept: the caller must then not ack, so the
  /// message is not lost (RabbitMQ redelivers it; Redis restores it after the visibility
  /// timeout).
  bool dead_letter(const broker_delivery& d, const std::string& why);

 private:
  void run_task(detail::job& j, const std::atomic<bool>& soft, const std::atomic<bool>& hard);
  handler_outcome call_handler(detail::job& j, const std::atomic<bool>& soft);
  void store_now(const task_result& r);
};

}  // namespace ferry::celery
