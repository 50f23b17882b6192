// ferry/core/delivery.hpp — one message handed to a handler, and the handler's verdict, whatever
// transport brought it.
//
// ferry's workers (the Redis queue's, the AMQP consumer's, Celery's) run handlers on deliveries
// and act on their outcome the same way: ack, retry later, or dead-letter with a reason. A
// handler sees the attempt number and whether this is the last one, so it never reads a
// transport's headers to decide about retries.
//
//   ferry::outcome handle(const ferry::delivery& d) {
//     if (!parse(d.payload)) return ferry::outcome::dead_letter("not JSON");
//     if (!send(d.payload)) return ferry::outcome::retry("SMTP server busy");
//     return ferry::outcome::ack();
//   }
//
// A handler may also throw: a transient ferry::error means retry, `permanent_failure` means
// dead-letter, anything else is what the worker's options say (see worker_runtime.hpp).
// Retries are bounded by the source's retry policy: a retry asked for on the last attempt
// dead-letters the delivery instead.
//
// Thread safety: value types; thread-compatible.
#pragma once

#include <any>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "ferry/export.hpp"

namespace ferry {

/// Thrown by a handler to dead-letter its delivery at once instead of retrying it.
class FERRY_API permanent_failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One message as a handler gets it.
struct delivery {
  std::string id;       ///< The transport's id for it (job id, message_id, task id); may be "".
  std::string queue;    ///< The queue it came from.
  std::string payload;  ///< The body (any bytes).
  int attempt = 1;      ///< 1 on the first run, 2 on the first retry ...
  std::optional<int> max_attempts;        ///< The source's limit; nullopt when it has none.
  std::optional<std::string> last_error;  ///< The previous attempt's error, if it failed.
  /// The transport's own message (a queue::job, an amqp::delivery ...) for handlers written
  /// against one transport; holds no copy of `payload`.
  std::any native;

  /// Whether a retry asked for now would dead-letter instead.
  [[nodiscard]] bool is_last_attempt() const noexcept {
    return max_attempts.has_value() && attempt >= *max_attempts;
  }
};

/// A handler's verdict on one delivery.
class outcome {
 public:
  enum class kind { ack, retry, dead_letter, reject };

  /// Done: the delivery is acknowledged.
  [[nodiscard]] static outcome ack() { return outcome{kind::ack, {}, {}}; }
  /// Failed for now: run again after `delay` (nullopt: the source's retry policy decides),
  /// or dead-lettered with `reason` if this was the last attempt.
  [[nodiscard]] static outcome retry(std::string reason,
                                     std::optional<std::chrono::milliseconds> delay = {}) {
    return outcome{kind::retry, std::move(reason), delay};
  }
  /// Failed for good: kept in the dead-letter queue with `reason`.
  [[nodiscard]] static outcome dead_letter(std::string reason) {
    return outcome{kind::dead_letter, std::move(reason), {}};
  }
  /// Not wanted, ever, and not worth keeping: the transport drops it (RabbitMQ: basic.reject
  /// without requeue, which the queue's own dead-letter exchange may catch; the Redis queue
  /// deletes it like an ack).
  [[nodiscard]] static outcome reject(std::string reason = {}) {
    return outcome{kind::reject, std::move(reason), {}};
  }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  /// The error text recorded with a retry or a dead letter ("" for ack).
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] std::optional<std::chrono::milliseconds> delay() const noexcept { return delay_; }

 private:
  outcome(kind k, std::string reason, std::optional<std::chrono::milliseconds> delay)
      : kind_(k), reason_(std::move(reason)), delay_(delay) {}

  kind kind_;
  std::string reason_;
  std::optional<std::chrono::milliseconds> delay_;
};

/// A handler: called once per delivery, possibly on several threads at once.
using delivery_handler = std::function<outcome(const delivery&)>;

}  // namespace ferry
