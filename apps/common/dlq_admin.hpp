// dlq_admin.hpp — one view over every dead-letter queue of the deployment: the Redis reliable
// queues' DLQs (ferry::queue) and the RabbitMQ consumers' `<queue>.dlq` queues
// (ferry::amqp::dead_letter_queue), for the retry worker's admin API and CLI.
//
// A queue name is looked up as: a configured RabbitMQ queue → its `<queue>.dlq`; else a
// configured or known (ferry::queue::known_queues) Redis queue → its DLQ; else not_found.
// Ids are checked before anything touches a server: a Redis job id is 32 lowercase hex
// digits; a RabbitMQ id is a message_id or dead_message_id() (1-255 printable ASCII).
//
//   ferry::apps::dlq_admin admin{redis, {.redis_queues = {"document"}}};
//   for (const auto& s : admin.stats()) print(s.queue, s.dead);
//   admin.requeue("document", id);
//
// Thread safety: thread-safe: Redis calls use the shared client; each RabbitMQ operation
// opens its own connection (admin traffic is rare, and a connection is one per thread).
// Errors: std::invalid_argument for a malformed queue name, id, offset or limit (→ 400);
// ferry::error(errc::not_found) for an unknown queue (→ 404); other ferry::errors from Redis
// and RabbitMQ as they come (transient ones → 503).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/amqp/url.hpp>
#include <ferry/queue/job.hpp>
#include <ferry/queue/options.hpp>
#include <ferry/redis/client.hpp>

namespace ferry::apps {

enum class dlq_backend { redis, amqp };

/// "redis" / "amqp".
[[nodiscard]] std::string_view to_string(dlq_backend b) noexcept;

/// One DLQ's size, and for Redis queues the queue's own counts.
struct dlq_summary {
  std::string queue;
  dlq_backend backend = dlq_backend::redis;
  std::int64_t dead = 0;
  /// Redis only: ready/in flight/scheduled and counters.
  std::optional<queue::queue_stats> stats;
  /// RabbitMQ only: false when `<queue>.dlq` does not exist (yet).
  bool exists = true;
};

/// One dead letter, whichever backend it came from. Times are absent when unknown.
struct dlq_entry {
  std::string id;
  std::string payload;
  std::string error;
  std::int64_t attempts = 0;
  std::optional<std::int64_t> max_attempts;  ///< Redis only.
  std::string worker;                        ///< Redis only ("" when unknown).
  std::optional<std::chrono::system_clock::time_point> enqueued_at;
  std::optional<std::chrono::system_clock::time_point> first_failure;
  std::optional<std::chrono::system_clock::time_point> last_failure;
  std::optional<std::chrono::system_clock::time_point> dead_at;
  bool redelivered = false;  ///< RabbitMQ only: peeked before.
};

struct dlq_page {
  std::string queue;
  dlq_backend backend = dlq_backend::redis;
  std::int64_t total = 0;
  std::size_t offset = 0;
  std::size_t limit = 0;
  std::vector<dlq_entry> entries;
};

struct dlq_admin_options {
  /// Redis queues always listed (with the known ones found under key_prefix).
  std::vector<std::string> redis_queues{};
  /// Settings for queue handles (key prefix, retention ...).
  queue::queue_options queue{};
  /// RabbitMQ broker; nullopt = no RabbitMQ DLQs.
  std::optional<amqp::url> amqp{};
  /// RabbitMQ work queues whose `<queue>.dlq` is served.
  std::vector<std::string> amqp_queues{};
  /// Largest page list() serves.
  std::size_t max_limit = 500;
  /// Deepest a RabbitMQ peek or id search reaches (messages taken at once).
  std::size_t amqp_max_scan = 10000;
};

class dlq_admin {
 public:
  /// `redis` must outlive the admin. Throws std::invalid_argument for a malformed queue name
  /// in the options or a name configured for both backends.
  dlq_admin(redis::client& redis, dlq_admin_options options);

  [[nodiscard]] const dlq_admin_options& options() const noexcept { return opts_; }

  /// Every DLQ, sorted by name (Redis then RabbitMQ). A broker that cannot be reached throws.
  [[nodiscard]] std::vector<dlq_summary> stats();
  /// Which backend serves `queue` (validates the name); throws not_found if none does.
  [[nodiscard]] dlq_backend backend_of(std::string_view queue);
  /// Newest first for Redis, oldest (head) first for RabbitMQ.
  [[nodiscard]] dlq_page list(std::string_view queue, std::size_t offset, std::size_t limit);
  /// false when `id` is not in the DLQ.
  bool requeue(std::string_view queue, std::string_view id);
  std::size_t requeue_all(std::string_view queue);
  /// Deletes one dead letter; false when `id` is not in the DLQ.
  bool remove(std::string_view queue, std::string_view id);
  /// Deletes every dead letter of `queue`; returns how many.
  std::size_t purge(std::string_view queue);

  /// std::invalid_argument unless `name` is 1-200 of [A-Za-z0-9_.:-].
  static void check_queue_name(std::string_view name);
  /// std::invalid_argument unless `id` fits `backend` (see the file comment).
  static void check_id(dlq_backend backend, std::string_view id);

 private:
  redis::client& redis_;
  dlq_admin_options opts_;
};

}  // namespace ferry::apps
