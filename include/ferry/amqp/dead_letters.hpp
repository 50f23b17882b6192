// ferry/amqp/dead_letters.hpp — inspect and repair a consumer's dead-letter queue `<queue>.dlq`.
//
// The consumer (consumer.hpp) publishes a message that used up its attempts to `<queue>.dlq`
// with x-ferry-error, x-ferry-attempts and first/last-failure headers. `dead_letter_queue`
// gives an operator the usual DLQ operations on it: depth, peek, requeue one or all back to
// the work queue, delete one, purge.
//
//   ferry::amqp::dead_letter_queue dlq(ferry::amqp::url::parse(env_url), "email_processing");
//   for (const auto& m : dlq.peek(0, 20)) log(m.id, m.error.value_or(""));
//   dlq.requeue_all();
//
// Messages are named by their AMQP message_id, or when it is absent by dead_message_id(): a
// hash of the body and the first-failure time (two identical failures share one id; an
// operation on it takes the first).
//
// The behaviour a reader would otherwise get wrong: AMQP has no "look without taking". peek()
// and the search for one id take messages with basic.get and give them back with basic.nack
// (requeue): they come back marked redelivered and, on quorum queues or while others are
// being dead-lettered, possibly in another order. Requeue never loses a message: the copy is
// published to the work queue (default exchange) with a broker confirm before the original
// is acked, so a crash in between leaves it in both queues (at least once), never in none.
// A requeued message starts its attempts over (x-ferry-attempts is removed; the failure
// headers are kept for the record).
//
// Thread safety: one per thread (it owns one rabbitmq-c connection).
// Errors: ferry::error from the connection (connection_failed, timeout, auth_failed ...),
// publish_nacked when the broker refuses the copy; std::invalid_argument for an empty queue
// name, a zero limit or a window beyond options.max_scan.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/amqp/message.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/url.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

/// One dead-lettered message and the failure facts from its x-ferry-* headers.
struct dead_message {
  std::string id;  ///< message_id, else dead_message_id(msg)
  message msg;
  std::optional<std::string> error;  ///< x-ferry-error
  std::int64_t attempts = 0;         ///< x-ferry-attempts (0 when absent)
  std::optional<std::chrono::sys_seconds> first_failure;
  std::optional<std::chrono::sys_seconds> last_failure;
  bool redelivered = false;  ///< Peeked (or otherwise returned) before.
};

struct dead_letter_options {
  /// Most messages taken from the DLQ at once by peek() or by a search for one id; bounds the
  /// unacked messages held and the time an operation takes.
  std::size_t max_scan = 10000;
  /// Settings of the publisher that writes requeued messages (confirm timeout, reconnects).
  publisher_options publisher{};
};

/// The id of a message without message_id: "h" + 16 hex digits (FNV-1a of body and
/// x-ferry-first-failure), stable across peeks.
[[nodiscard]] FERRY_API std::string dead_message_id(const message& m);

/// The DLQ of one work queue. See the file comment.
class FERRY_API dead_letter_queue {
 public:
  /// Connects (throws like publisher's constructor). `work_queue` is the consumer's queue.
  dead_letter_queue(const url& address, std::string work_queue, dead_letter_options options = {});
  ~dead_letter_queue();
  dead_letter_queue(dead_letter_queue&&) noexcept;
  dead_letter_queue& operator=(dead_letter_queue&&) noexcept;

  [[nodiscard]] const std::string& work_queue() const noexcept;
  /// "<work queue>.dlq".
  [[nodiscard]] const std::string& name() const noexcept;

  /// Ready messages in the DLQ (passive declare); nullopt when the DLQ does not exist.
  [[nodiscard]] std::optional<std::uint32_t> depth();
  /// Messages offset .. offset+limit-1 from the head (oldest first); they are given back.
  [[nodiscard]] std::vector<dead_message> peek(std::size_t offset, std::size_t limit);
  /// The message `id`, given back; nullopt when it is not among the first max_scan.
  [[nodiscard]] std::optional<dead_message> find(std::string_view id);
  /// Moves the message `id` to the work queue; false when it is not among the first max_scan.
  bool requeue(std::string_view id);
  /// Moves every message present when the call starts to the work queue; returns how many.
  std::size_t requeue_all();
  /// Deletes the message `id`; false when it is not among the first max_scan.
  bool remove(std::string_view id);
  /// Deletes every ready message; returns how many.
  std::size_t purge();
  /// Deletes the messages among the first max_scan whose last failure (else first failure)
  /// is before `cutoff`, giving the others back; returns how many. Messages without failure
  /// times are kept: their age is unknown.
  std::size_t remove_failed_before(std::chrono::sys_seconds cutoff);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::amqp
