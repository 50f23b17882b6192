// ferry/core/dead_letter.hpp — one record and one interface for dead letters, whichever
// transport holds them.
//
// A message that used up its attempts, or failed for good, is kept with its error in a
// dead-letter queue: a Redis list for ferry::queue and Celery on Redis, a `<queue>.dlq` queue
// for the AMQP consumer and Celery on RabbitMQ. Each of them is a `dead_letter_store`, so one
// admin endpoint or CLI command can list, requeue and remove dead letters from all of them
// (see dead_letter_catalog.hpp), and a deployment's operators meet one vocabulary.
//
//   ferry::queue::dlq_store redis_dlqs{redis, {.queues = {"document"}}};
//   for (const auto& q : redis_dlqs.queues()) print(q.queue, q.count);
//   for (const auto& d : redis_dlqs.page("document", 0, 20)) print(d.id, d.error);
//   redis_dlqs.requeue("document", id);
//
// The rule a reader would otherwise get wrong: a requeued letter starts its attempts over, and
// requeue never loses it — each store moves it in one atomic step, or copies it (with a
// broker confirm) before it deletes the original, so a crash in between leaves it in both
// places (at least once), never in none. Ids are unique within one (source, queue) only.
//
// Thread safety: `dead_letter_record` and `dead_letter_queue_info` are values; each store
// states its own (the ones ferry ships are thread-safe).
// Errors: stores throw ferry::error for transport failures (transient ones: try again),
// ferry::error(errc::not_found) for a queue they do not serve, and std::invalid_argument for a
// malformed queue name, id, offset or limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

/// One dead letter, in the terms every store shares. Times are absent when the store did not
/// record them.
struct dead_letter_record {
  using time_point = std::chrono::system_clock::time_point;

  std::string source;         ///< The store's kind: "redis", "amqp", "celery-redis", "celery-amqp".
  std::string queue;          ///< The work queue the message failed on.
  std::string id;             ///< What requeue() and remove() take; unique within (source, queue).
  std::string payload;        ///< The body as the handler got it (any bytes).
  std::string error;          ///< The last failure's text ("" when none was recorded).
  std::int64_t attempts = 0;  ///< Handler runs (0 when unknown).
  std::optional<std::int64_t> max_attempts;  ///< The limit it ran into, when known.
  std::optional<time_point> first_failure;
  std::optional<time_point> last_failure;
  std::optional<time_point> dead_at;  ///< When it was dead-lettered.
  /// Facts only some sources have (the worker that held it, a Celery task name, a content
  /// type, whether it was peeked before), in a stable order.
  std::vector<std::pair<std::string, std::string>> details;
};

/// One dead-letter queue a store serves, and how many letters it holds.
struct dead_letter_queue_info {
  std::string source;
  std::string queue;       ///< The work queue (not the name of its dead-letter list or queue).
  std::int64_t count = 0;  ///< Letters held now.
  bool exists = true;      ///< false: nothing was dead-lettered yet (the DLQ is not there).
  /// The work queue's own counts where the store reads them with the same call (ferry::queue:
  /// ready, in_flight, scheduled, then its event counters), in a stable order.
  std::vector<std::pair<std::string, std::int64_t>> counts{};
};

/// A place dead letters are kept. Every operation names the work queue; see the file comment.
class dead_letter_store {
 public:
  virtual ~dead_letter_store() = default;

  /// The value of dead_letter_record::source for this store.
  [[nodiscard]] virtual std::string_view source() const noexcept = 0;
  /// The queues this store serves, sorted by name, with their counts.
  [[nodiscard]] virtual std::vector<dead_letter_queue_info> queues() = 0;
  /// Whether `queue` is one of those (a store that discovers its queues asks the server).
  [[nodiscard]] virtual bool serves(std::string_view queue) = 0;
  /// How many letters `queue` holds now (0 when its dead-letter queue is not there yet).
  [[nodiscard]] virtual std::int64_t count(std::string_view queue) = 0;
  /// Letters of `queue` from `offset`, at most `limit` (the store's natural order: newest
  /// first for Redis lists, oldest first for AMQP queues).
  [[nodiscard]] virtual std::vector<dead_letter_record> page(std::string_view queue,
                                                             std::size_t offset,
                                                             std::size_t limit) = 0;
  /// One letter; nullopt when it is not there.
  [[nodiscard]] virtual std::optional<dead_letter_record> find(std::string_view queue,
                                                               std::string_view id) = 0;
  /// Moves one letter back to its work queue with its attempts reset; false when not there.
  virtual bool requeue(std::string_view queue, std::string_view id) = 0;
  /// Moves every letter present when the call starts back; returns how many.
  virtual std::size_t requeue_all(std::string_view queue) = 0;
  /// Deletes one letter; false when not there.
  virtual bool remove(std::string_view queue, std::string_view id) = 0;
  /// Deletes every letter; returns how many.
  virtual std::size_t purge(std::string_view queue) = 0;
  /// Deletes letters dead for longer than `max_age`; returns how many.
  virtual std::size_t trim(std::string_view queue, std::chrono::seconds max_age) = 0;

 protected:
  dead_letter_store() = default;
  dead_letter_store(const dead_letter_store&) = default;
  dead_letter_store& operator=(const dead_letter_store&) = default;
};

}  // namespace ferry
