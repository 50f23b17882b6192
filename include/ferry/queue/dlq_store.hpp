// ferry/queue/dlq_store.hpp — the reliable queues' dead letters as a dead_letter_store.
//
// Serves the DLQ of every queue under one key prefix: the configured ones and those found in
// Redis (known_queues(): every queue that was ever enqueued to), for
// ferry::dead_letter_catalog and the tools built on it.
//
//   ferry::queue::dlq_store dlqs{redis, {.queues = {"document"}}};
//   for (const auto& d : dlqs.page("document", 0, 20)) log(d.id, d.error);
//   dlqs.requeue("document", id);   // back to ready, attempts reset
//
// Every operation is one of queue.hpp's atomic dead-letter scripts, so a requeue moves a
// letter in one step. Records carry `worker`, `priority`, `enqueued_at` and `dedup_key` as
// details.
//
// Thread safety: thread-safe (the client's pool). `redis` must outlive the store.
// Errors: as dead_letter.hpp says; std::invalid_argument for an id that is not 32 lowercase
// hex digits (what make_job_id() gives).
#pragma once

#include <string>
#include <vector>

#include "ferry/core/dead_letter.hpp"
#include "ferry/export.hpp"
#include "ferry/queue/job.hpp"
#include "ferry/queue/options.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::queue {

struct dlq_store_options {
  /// Queues always served, even before anything was enqueued to them.
  std::vector<std::string> queues{};
  /// Key prefix and the other settings of the queue handles the store makes.
  queue_options queue{};
};

class FERRY_API dlq_store final : public dead_letter_store {
 public:
  dlq_store(redis::client& redis, dlq_store_options options);

  [[nodiscard]] std::string_view source() const noexcept override { return "redis"; }
  [[nodiscard]] std::vector<dead_letter_queue_info> queues() override;
  [[nodiscard]] bool serves(std::string_view queue) override;
  [[nodiscard]] std::int64_t count(std::string_view queue) override;
  [[nodiscard]] std::vector<dead_letter_record> page(std::string_view queue, std::size_t offset,
                                                     std::size_t limit) override;
  [[nodiscard]] std::optional<dead_letter_record> find(std::string_view queue,
                                                       std::string_view id) override;
  bool requeue(std::string_view queue, std::string_view id) override;
  std::size_t requeue_all(std::string_view queue) override;
  bool remove(std::string_view queue, std::string_view id) override;
  std::size_t purge(std::string_view queue) override;
  std::size_t trim(std::string_view queue, std::chrono::seconds max_age) override;

  /// std::invalid_argument unless `id` is 32 lowercase hex digits.
  static void check_id(std::string_view id);

 private:
  [[nodiscard]] std::vector<std::string> names();
  class queue open(std::string_view name);

  redis::client& redis_;
  dlq_store_options opts_;
};

/// The record of a dead letter of `ferry::queue`.
[[nodiscard]] FERRY_API dead_letter_record to_record(dead_letter d);

}  // namespace ferry::queue
