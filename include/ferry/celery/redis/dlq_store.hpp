// ferry/celery/redis/dlq_store.hpp — the dead letters of Celery on Redis as a dead_letter_store.
//
// The worker keeps a message it cannot run (undecodable, unknown task, failed for good) in the
// Redis list `<queue>.dlq` (with the transport's key prefix): one JSON entry per message,
// {"error", "queue", "time" (ISO 8601, UTC), "envelope" (the raw kombu envelope, which may not
// even be JSON)}. This store serves those lists for ferry::dead_letter_catalog and the tools
// built on it.
//
//   ferry::celery::redis::dlq_store dlqs{redis, {.queues = {"celery"}}};
//   for (const auto& d : dlqs.page("celery", 0, 20)) log(d.id, d.error);
//   dlqs.requeue("celery", task_id);   // the envelope goes back to the `celery` list
//
// A letter's id is its task id (the envelope's headers.id), or for an envelope without one
// "h" + 16 hex digits of a hash of the entry. Requeue is one Lua script: the entry leaves the
// list and its envelope is pushed to the work queue's list in the same step (Celery's default
// priority; the worker counts its retries from the envelope as before). Pages are newest
// first, as the list is pushed at its head.
//
// Thread safety: thread-safe (the client's pool). `redis` must outlive the store.
// Errors: as dead_letter.hpp says; std::invalid_argument for an empty id.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "ferry/core/dead_letter.hpp"
#include "ferry/export.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::celery::redis {

struct dlq_store_options {
  /// Work queues whose `<queue><suffix>` list is served.
  std::vector<std::string> queues{};
  /// The worker's dead_letter_suffix.
  std::string suffix = ".dlq";
  /// The transport's global_keyprefix.
  std::string global_keyprefix{};
  /// Most entries a search for one id, requeue_all or trim reads at once.
  std::size_t max_scan = 10000;
};

class FERRY_API dlq_store final : public dead_letter_store {
 public:
  dlq_store(std::shared_ptr<ferry::redis::client> redis, dlq_store_options options);

  [[nodiscard]] std::string_view source() const noexcept override { return "celery-redis"; }
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

 private:
  struct entry {
    std::string text;  // as stored: what LREM matches
    dead_letter_record record;
  };
  [[nodiscard]] std::string list_key(std::string_view queue);
  [[nodiscard]] std::vector<entry> read(std::string_view queue, std::size_t offset,
                                        std::size_t limit);
  [[nodiscard]] std::optional<entry> find_entry(std::string_view queue, std::string_view id);
  bool requeue_entry(std::string_view queue, const entry& e);
  bool remove_entry(std::string_view queue, const entry& e);

  std::shared_ptr<ferry::redis::client> redis_;
  dlq_store_options opts_;
};

}  // namespace ferry::celery::redis
