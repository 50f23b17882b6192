// worker::impl: what the handler threads, the finisher and the consumer share. The consumer
// (worker_consumer.hpp) is the fetch side; everything here runs tasks and carries out the
// effects task_semantics decides.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "celery/worker_parts.hpp"
#include "ferry/celery/worker.hpp"

namespace ferry::celery {

struct worker::impl {
  impl(std::shared_ptr<celery::broker> b, std::shared_ptr<result_backend> r, worker_options o);

  std::shared_ptr<celery::broker> broker;
  std::shared_ptr<result_backend> backend;
  worker_options opt;
  task_policy policy;
  detail::worker_log log;
  std::map<std::string, task_handler, std::less<>> handlers;
  detail::handoff tasks;
  detail::result_finisher finisher;
  detail::time_limit_watch limits;
  std::vector<std::thread> threads;
  // One-way acks (broker::one_way_acks, AMQP): a handler thread acks its task itself as it
  // starts; nothing goes through the consumer.
  bool one_way_acks = false;

  void start_threads();
  /// After the consumer has drained: ends the handler threads and the finisher, then sends the
  /// last early acks.
  void stop_threads();
  /// Carries out `effects` in order; stores that are not immediate go to `j`'s batch (all are
  /// immediate without a job). A required publish that fails throws, skipping the rest.
  void carry_out(task_effects& effects, detail::job* j);
  /// Soft limits set the flag; a hard limit records FAILURE and ends the process (see the
  /// header). Returns true while some running task still has a limit ahead.
  bool check_limits();
  void safe_ack(const std::string& tag);
  /// Sends acks on their own (no fetch to ride along).
  void send_acks(std::vector<std::string>& acks);
  /// Returns false when the copy could not be kept: the caller must then not ack, so the
  /// message is not lost (RabbitMQ redelivers it; Redis restores it after the visibility
  /// timeout).
  bool dead_letter(const broker_delivery& d, const std::string& why);

 private:
  void thread_main();
  void run_task(detail::job& j, const std::atomic<bool>& soft, const std::atomic<bool>& hard);
  handler_outcome call_handler(detail::job& j, const std::atomic<bool>& soft);
  void store_now(const task_result& r);
};

}  // namespace ferry::celery
