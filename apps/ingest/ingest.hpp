// apps/ingest/ingest.hpp — the ingest step of the email path: record the message, queue it.
//
// `ingestor::ingest(raw, sender, recipient)` creates the pending message record through
// mail_store (idempotent on the message's SHA-256 + recipient, so Postfix redelivering the same
// mail after a deferral finds the record it already made, while two different mails that share
// a Message-ID — the sender's to choose — are two records) and publishes `{"message_id",
// "email_data"}` — or `{"message_id", "email_ref"}` for a message above `max_inline_bytes`, which
// is written to the content-addressed spool first — persistently to the durable queue, waiting for
// the broker's confirm. Only then is the mail safe and the caller may report success.
//   ferry::apps::ingest::ingestor in(cfg);
//   auto r = in.ingest(raw, "a@b.example", "user@test.example");  // throws on any failure
//
// Thread safety: one per thread (it owns a SQL session and an AMQP publisher).
// Errors: ferry::error from the database, the spool or the broker; the caller defers the mail.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config.hpp"

namespace ferry::apps::ingest {

/// What ingest did with one message.
struct ingest_result {
  std::int64_t message_id = 0;  ///< messages.id
  bool created = false;         ///< False: the record existed (a redelivery); republished.
  bool spooled = false;         ///< True: the queue message carries email_ref, not the body.
  std::string message_id_header;
};

/// The Message-ID recorded with the message: the header's value, or — for mail without one — a
/// stand-in derived from the content, `<sha256-hex@ferry-ingest>`. Not a key: senders choose it.
[[nodiscard]] std::string message_key(std::string_view raw);

/// What identifies one delivery (with the recipient): the SHA-256 (hex) of the raw message,
/// without a leading mbox "From " line (pipe(8)'s F flag dates it per attempt). A Postfix retry
/// hands over the same queue file, so the same bytes; distinct mails differ at least in the
/// Received header Postfix adds with its queue id.
[[nodiscard]] std::string delivery_key(std::string_view raw);

/// See the file comment.
class ingestor {
 public:
  /// Opens the database (creating the schema if needed) and connects to the broker.
  explicit ingestor(const config& cfg);
  ~ingestor();
  ingestor(const ingestor&) = delete;
  ingestor& operator=(const ingestor&) = delete;

  /// Records and queues one message for one recipient; returns after the broker confirmed.
  ingest_result ingest(std::string_view raw, std::string_view sender, std::string_view recipient);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::apps::ingest
