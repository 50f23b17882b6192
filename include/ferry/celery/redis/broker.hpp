// ferry/celery/redis/broker.hpp — kombu's Redis transport (kombu 5.2), on ferry::redis.
//
// Publishes and consumes Celery messages exactly as kombu's virtual Redis transport does, so
// ferry and Python Celery processes can share one queue:
//   publish  = SADD `_kombu.binding.<exchange>` + LPUSH of the envelope to the priority list
//              (`q`, `q\x06\x163`, `q\x06\x166`, `q\x06\x169`; priority 0 is served FIRST);
//   consume  = pop from those lists in that order (FIFO with LPUSH) and record the delivery
//              as kombu does (ZADD `unacked_index` <now> <tag> + HSET `unacked` <tag>
//              [envelope, ex, rk]) — ferry pops and records up to N messages in ONE Lua script
//              (same order, same keys and values, one round trip, atomic); on empty lists it
//              blocks without taking anything (BLMOVE of a list onto itself), then fetches;
//   ack      = MULTI ZREM unacked_index + HDEL unacked EXEC (ack_many: one for many tags);
//   restore  = under the `unacked_mutex` lock (SET NX PX, compare-and-delete release), every
//              entry older than the visibility timeout is moved back with RPUSH (delivered
//              next) and `redelivered: true`, in a WATCH/MULTI transaction per tag.
// The one behaviour a reader would get wrong: unlike kombu (BRPOP, then a MULTI: a consumer
// that dies between the two loses that message), a message is always either in its list or in
// `unacked`, so every crash of a consumer is recovered by any consumer's restore_visible() —
// ferry's or Python's — after the visibility timeout. The blocking wait watches the first
// queue's priority-0 list only: a message for another list of an idle consumer is fetched
// within `wait` (one queue) or 200 ms (several queues).
//
//   auto c = std::make_shared<ferry::redis::client>("redis://127.0.0.1:6379/0");
//   ferry::celery::redis::broker broker{c};
//   broker.publish(msg, "celery", 0);
//   if (auto d = broker.get({"celery"}, 1s)) { ...; broker.ack(d->delivery->delivery_tag); }
//
// It implements ferry::celery::broker (ferry/celery/broker.hpp), so the worker and client run on
// it; register_plugin() (plugin.hpp) makes open_broker() return one for redis:// URLs.
//
// Thread safety: thread-safe (over a thread-safe client pool; with wait_for_reply = false the
// publishing connection and its pending commands are guarded by a lock).
// Errors: ferry::error from the Redis client (connection_failed, timeout, server_error).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/broker.hpp"
#include "ferry/celery/protocol/kombu_redis.hpp"
#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::celery::redis {

/// kombu's Redis transport options (`broker_transport_options`), same names and defaults.
struct transport_options {
  /// An unacked delivery older than this is restored by any consumer. Must match the Python
  /// side's `visibility_timeout` (kombu default 3600 s).
  std::chrono::milliseconds visibility_timeout{std::chrono::hours(1)};
  /// Lifetime of the restore lock (`unacked_mutex_expire`, default 300 s).
  std::chrono::milliseconds unacked_mutex_expire{std::chrono::minutes(5)};
  std::string unacked_key = "unacked";
  std::string unacked_index_key = "unacked_index";
  std::string unacked_mutex_key = "unacked_mutex";
  /// Prepended to every key (not to values), as kombu's `global_keyprefix`.
  std::string global_keyprefix{};
  /// How many expired entries one restore_visible() call restores (kombu: num=10).
  std::size_t restore_batch = 10;
  /// Whether publish()/publish_many() wait for Redis's replies (the default; redis-py waits
  /// for each LPUSH of a Celery send_task). false: they return once the commands are written,
  /// on one connection of their own (in order), as amqp::broker does with wait_for_confirm =
  /// false; the replies are read as later publishes go out, at most `max_unreplied` commands
  /// wait for theirs, and wait_replies() waits for all. A command Redis refused is thrown by a
  /// later publish or by wait_replies(); after a broken connection the commands still without
  /// a reply are written again on a new one (a message may then be queued twice: at least
  /// once). A publish that throws because Redis cannot be reached has not taken its messages;
  /// earlier ones stay pending. Call wait_replies() before dropping the broker. For
  /// producers: the worker's own publishes (retries, callbacks) expect the default.
  bool wait_for_reply = true;
  std::size_t max_unreplied = 256;
};

/// One popped message. `delivery` is nullopt when the text is not a valid envelope (then it
/// was never recorded as unacked; `error` says why).
struct list_delivery {
  /// The list it came from (with its priority suffix, without the key prefix).
  std::string list{};
  /// The exact text popped.
  std::string raw{};
  std::optional<protocol::kombu_redis_delivery> delivery{};
  std::string error{};
};

class FERRY_API broker final : public celery::broker {
 public:
  explicit broker(std::shared_ptr<ferry::redis::client> client, transport_options options = {});
  ~broker() override;

  /// SADD the binding `<queue>\x06\x16\x06\x16<queue>` to `_kombu.binding.<queue>` (what Celery
  /// declares for its default queue), then LPUSH the envelope (exchange "", routing key
  /// `queue`) to the list for `priority` (its delivery tag is a fresh uuid4).
  void publish(const task_message& message, std::string_view queue, int priority = 0) override;

  /// publish() for many messages in ONE pipelined write (one round trip): the bindings (once
  /// per distinct queue), then the LPUSHes in order.
  void publish_many(std::span<const outgoing_message> messages) override;

  /// With wait_for_reply = false: writes what a failure left unwritten, then waits for the
  /// reply of every publish so far; throws for a refused one (server_error, naming its queue)
  /// or when Redis cannot be reached (those publishes stay pending). Nothing to do otherwise.
  void wait_replies();

  /// Pushes an already-built envelope text to the left of `list` (no binding).
  void push_raw(std::string_view list, std::string_view envelope);

  /// get_many() of one message, waiting up to `wait` (at least 10 ms) over the priority lists
  /// of `queues` (priority-first, as kombu orders them). nullopt = nothing arrived.
  [[nodiscard]] std::optional<list_delivery> get(const std::vector<std::string>& queues,
                                                 std::chrono::milliseconds wait);

  /// Up to `max` messages in kombu's order. One round trip when messages are waiting: a Lua
  /// script pops them and records each valid envelope as unacked (an undecodable one is
  /// returned with `delivery` nullopt and never recorded). When the lists are empty, waits up
  /// to `wait` (0 = do not block) for the first queue's priority-0 list to receive a message
  /// (BLMOVE list list RIGHT RIGHT: nothing is taken; Redis < 6.2: BRPOPLPUSH list list), in
  /// slices of 200 ms when there are several queues, and fetches again after each wake-up.
  /// `ack_first` are acked (as ack_many) in the same round trip, before anything is popped:
  /// a worker's early acks ride along with its next fetch.
  [[nodiscard]] std::vector<list_delivery> get_many(const std::vector<std::string>& queues,
                                                    std::size_t max, std::chrono::milliseconds wait,
                                                    std::span<const std::string> ack_first = {});

  /// broker::fetch_many: get_many() as broker_deliveries.
  [[nodiscard]] std::vector<broker_delivery> fetch_many(
      const std::vector<std::string>& queues, std::size_t max, std::chrono::milliseconds wait,
      std::span<const std::string> ack_first = {}) override;
  /// broker::fetch: get() as a broker_delivery (queue = the base queue of the list).
  [[nodiscard]] std::optional<broker_delivery> fetch(const std::vector<std::string>& queues,
                                                     std::chrono::milliseconds wait) override;

  /// Removes the delivery from `unacked_index` and `unacked` (also kombu's reject(requeue=False)).
  void ack(std::string_view delivery_tag) override;

  /// broker::requeue: restore().
  void requeue(std::string_view delivery_tag) override { (void)restore(delivery_tag); }

  /// LPUSHes dead_letter_entry(error, queue, raw envelope) (JSON text) to `<queue><suffix>`.
  void dead_letter(const broker_delivery& d, std::string_view error,
                   std::string_view suffix) override;

  /// broker::maintain: restore_visible().
  std::size_t maintain() override { return restore_visible(); }

  [[nodiscard]] std::string_view transport() const noexcept override { return "redis"; }

  /// ack() for many deliveries in one MULTI (one round trip); nothing for an empty span.
  void ack_many(std::span<const std::string> delivery_tags) override;

  /// Moves one unacked delivery back to the head of its queue (RPUSH, redelivered=true), as
  /// kombu's restore_by_tag. False if it is no longer unacked (acked or restored by another).
  bool restore(std::string_view delivery_tag);

  /// kombu's restore_visible: takes the mutex (skips and returns 0 if another process holds
  /// it), restores up to `restore_batch` entries older than the visibility timeout.
  std::size_t restore_visible();

  /// Total length of the four priority lists of `queue`.
  [[nodiscard]] std::size_t size(std::string_view queue);

  [[nodiscard]] const transport_options& options() const noexcept { return options_; }
  [[nodiscard]] const std::shared_ptr<ferry::redis::client>& client() const noexcept {
    return client_;
  }

 private:
  [[nodiscard]] std::string key(std::string_view name) const;
  /// SADD of `queue`'s binding, as Celery declares its queue (anonymous exchange).
  [[nodiscard]] std::vector<std::string> binding_command(std::string_view queue) const;
  /// Parses a popped text into `d`; false (with d.error set) when it is not a valid envelope.
  static bool decode(list_delivery& d);
  /// kombu's QoS.append for one delivery: MULTI ZADD unacked_index + HSET unacked EXEC.
  void record_unacked(const list_delivery& d);
  /// A message built for a list: publish()'s and publish_many()'s common input.
  struct list_text {
    std::string_view queue;
    std::string list;  // with the key prefix
    std::string text;
  };
  /// wait_for_reply = false: writes the bindings and LPUSHes without waiting (see the option).
  void write_unreplied(std::vector<list_text> texts);
  std::shared_ptr<ferry::redis::client> client_;
  transport_options options_;
  struct unreplied_state;
  std::unique_ptr<unreplied_state> unreplied_;  // null with wait_for_reply
};

/// The JSON a Redis dead-letter entry holds: {"error", "queue", "time" (ISO 8601, UTC),
/// "envelope" (the raw text, which may not be JSON)}.
[[nodiscard]] FERRY_API json dead_letter_entry(std::string_view error, std::string_view queue,
                                               std::string_view raw_envelope);

}  // namespace ferry::celery::redis
