// apps/email-worker/processor.hpp — what the worker does with one queue message.
//
// `email_processor::handle(delivery)` decodes `{"message_id", "email_data" | "email_ref"}`,
// loads the pending record, parses the raw mail (ferry::mail), sanitises its HTML, stores the
// attachments by content hash and writes everything plus is_processed=TRUE in one transaction
// (mail_store::mark_processed), then deletes the recipient's `policy:{address}` cache key, and
// returns the outcome the consumer settles the message with.
//   ferry::apps::worker::email_processor p(cfg, log);
//   consumer.run([&](const ferry::delivery& d) { return p.handle(d); });
//
// The behaviour to know: it is idempotent. A redelivered message whose record is already
// processed is acked without touching anything, and mark_processed refuses a second write, so a
// worker killed at any point, or two workers holding copies of one message, never store it twice.
// Failures: a transient ferry::error (database busy or down) is outcome::retry, unless the
// delivery is on its last attempt; a bad queue message, an unparseable mail or the last failed
// attempt marks the record failed (with the error text) and is outcome::dead_letter, which the
// consumer turns into a copy in `<queue>.dlq`. Attempts come from the delivery, never from
// transport headers.
//
// Thread safety: one per thread (it owns a SQL session and a Redis client).
// Errors: see above; never throws for a failed cache invalidation (counted, logged).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <ferry/amqp/consumer.hpp>

#include "config.hpp"

namespace ferry::apps::worker {

/// Counters since start.
struct processor_stats {
  std::uint64_t processed = 0;              ///< Records this worker marked processed.
  std::uint64_t already_processed = 0;      ///< Redeliveries found done and acked.
  std::uint64_t failed = 0;                 ///< Sent to the DLQ.
  std::uint64_t transient = 0;              ///< Handed back for a retry.
  std::uint64_t invalidation_failures = 0;  ///< Redis DEL policy:{address} failed.
};

/// Log sink: level ("info", "warning", "error") and text.
using log_fn = std::function<void(const char* level, const std::string& text)>;

class email_processor {
 public:
  email_processor(const config& cfg, log_fn log);
  ~email_processor();
  email_processor(const email_processor&) = delete;
  email_processor& operator=(const email_processor&) = delete;

  /// Processes one delivery; see the file comment.
  ferry::outcome handle(const ferry::delivery& d);

  [[nodiscard]] const processor_stats& stats() const noexcept;

 private:
  ferry::outcome failed(const ferry::delivery& d, const std::string& why);

  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::apps::worker
