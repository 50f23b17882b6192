// apps/common/mail_store.hpp — the email deployment's database: schema and every query the
// policy service, ingest program, email worker and retry worker run.
//
// Not part of the installed library: it is glue specific to this deployment, shared by its
// apps. It speaks only `ferry::sql::session`, so it runs on SQLite and PostgreSQL alike.
//
//   ferry::sql::session db(url);
//   ferry::apps::mail_store store(db);
//   store.init_schema();
//   auto r = store.lookup_recipient("User@Example.org ");   // normalised before lookup
//   auto [id, created] = store.create_message(
//       {.message_id_header = "<a@b>", .delivery_key = sha256_of_raw, .recipient = ...});
//   store.mark_processed(id, parsed, attachments);         // one transaction
//
// The one behaviour to know: addresses are normalised (trimmed, ASCII lower-cased) by
// `normalize_address` on every way in, so "A@X.org" and "a@x.org" are the same recipient.
//
// Thread safety: as the session it wraps — one per thread.
// Errors: `ferry::error` from the session (busy, timeout, connection_failed are transient);
// `errc::not_found` for an unknown message or customer id; std::invalid_argument for empty
// addresses, Message-IDs or tiers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <ferry/sql/session.hpp>

namespace ferry::apps {

/// Trims ASCII whitespace and lower-cases ASCII letters: the one spelling stored and looked up.
[[nodiscard]] std::string normalize_address(std::string_view address);

/// The schema script for an engine (apps/common/sql/schema.<engine>.sql, embedded at build).
[[nodiscard]] std::string_view schema_sql(sql::backend engine) noexcept;

/// What the policy service needs to accept or reject a recipient.
struct recipient_info {
  std::string address{};
  std::int64_t customer_id = 0;
  std::string tier{};
  bool active = false;
};

/// A customer by id (must exist) or by name (created on first use by `add_address`).
using customer_ref = std::variant<std::int64_t, std::string>;

/// What ingest knows when a message arrives.
struct new_message {
  std::string message_id_header{};  ///< Message-ID header, as the sender chose it (not a key).
  /// What identifies one delivery of one mail (ingest: the raw message's SHA-256); with
  /// `recipient`, the idempotency key. Required. Never the Message-ID: a sender could reuse
  /// one to suppress someone else's mail.
  std::string delivery_key{};
  std::string recipient{};  ///< Normalised on insert.
  std::string sender{};
  std::int64_t raw_size = 0;
  std::optional<std::string> raw_ref{};  ///< Path of the raw message when stored on disk.
  std::optional<std::string> raw{};      ///< The raw message when stored inline.
};

/// A message recorded before delivery keys existed, for the caller to compute its key.
struct unkeyed_message {
  std::int64_t id = 0;
  std::optional<std::string> raw_ref{};  ///< Path of the raw message when stored on disk.
  std::optional<std::string> raw{};      ///< The raw message when stored inline.
};

/// Result of `create_message`.
struct create_result {
  std::int64_t id = 0;
  bool created = false;  ///< False: the (delivery key, recipient) pair was already there.
};

/// Fields the worker extracts from a parsed message; unset fields are stored as NULL.
struct parsed_message {
  std::optional<std::string> subject{};
  std::optional<std::string> from_addr{};
  std::optional<std::string> to_addrs{};
  std::optional<std::string> date{};
  std::optional<std::string> text_body{};
  std::optional<std::string> html_body{};
};

/// One stored attachment.
struct attachment {
  std::string filename{};
  std::string content_type = "application/octet-stream";
  std::int64_t size = 0;  ///< Bytes; negative sizes are refused by the database.
  std::string sha256;     ///< Hex digest of the content.
  std::optional<std::string> storage_path{};
};

enum class message_status { pending, processed, failed };

/// A message row with its attachments.
struct message_record {
  std::int64_t id = 0;
  std::string message_id_header{};
  std::string recipient{};
  std::string sender{};
  std::int64_t raw_size = 0;
  std::optional<std::string> raw_ref{};
  std::optional<std::string> raw{};
  parsed_message parsed{};
  bool is_processed = false;
  std::optional<std::chrono::system_clock::time_point> processed_at{};
  message_status status = message_status::pending;
  std::optional<std::string> error{};
  std::chrono::system_clock::time_point created_at{};
  std::vector<attachment> attachments{};
};

/// Result of `delete_messages_older_than`: what to remove from disk afterwards.
struct cleanup_result {
  std::size_t messages_deleted = 0;
  std::vector<std::string> files{};  ///< Attachment storage paths and raw_ref paths.
};

struct mail_store_options {
  /// Source of "now" for created_at/updated_at/processed_at (tests pass a fixed clock).
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

/// The deployment's repository. See the file comment.
class mail_store {
 public:
  /// Borrows `db`, which must outlive the store.
  explicit mail_store(sql::session& db, mail_store_options options = {});

  /// Creates missing tables and indexes, and upgrades a database whose messages were keyed by
  /// (Message-ID, recipient); safe to run at every start and concurrently.
  void init_schema();

  // --- recipients (policy service, admin tools) ------------------------------------------

  /// The address's customer, tier and active flag; nullopt when the address is unknown.
  [[nodiscard]] std::optional<recipient_info> lookup_recipient(std::string_view address);

  /// Adds the address to the customer, or moves/re-activates it if it exists. Returns the
  /// normalised address (the cache key to invalidate).
  std::string add_address(std::string_view address, const customer_ref& customer,
                          bool active = true);

  /// Deletes the address; false when it did not exist.
  bool remove_address(std::string_view address);

  /// Sets the active flag; false when the address does not exist.
  bool set_active(std::string_view address, bool active);

  /// Changes the customer's tier; returns the customer's addresses, whose cached policy
  /// decisions are now stale.
  std::vector<std::string> set_customer_tier(const customer_ref& customer, std::string_view tier);

  // --- messages (ingest, worker, retry worker) ------------------------------------------

  /// Inserts a pending message, or returns the existing one with the same delivery key and
  /// recipient (a redelivered or re-ingested message), so ingest can be retried safely.
  create_result create_message(const new_message& message);

  /// Up to `limit` messages created at or after `since` that have no delivery key (recorded
  /// before keys existed), oldest first: ingest keys them, so a redelivery of a mail that was
  /// in flight during an upgrade still finds its record.
  [[nodiscard]] std::vector<unkeyed_message> messages_without_delivery_key(
      std::chrono::system_clock::time_point since, std::size_t limit);

  /// Sets the delivery key of a message that has none. False (nothing changed) when it has one
  /// or another message of the same recipient already holds that key.
  bool set_delivery_key(std::int64_t id, std::string_view key);

  /// The message and its attachments; nullopt when there is no such id.
  [[nodiscard]] std::optional<message_record> get_message(std::int64_t id);

  /// Stores the parsed fields and attachments and sets is_processed in one transaction:
  /// either all of it is written or none. False (nothing written) when the message was
  /// already processed; `errc::not_found` when there is no such id.
  bool mark_processed(std::int64_t id, const parsed_message& parsed,
                      const std::vector<attachment>& attachments);

  /// Records a processing failure (status 'failed', the error text). The message stays
  /// unprocessed so the retry worker can pick it up. False when it was already processed.
  bool mark_failed(std::int64_t id, std::string_view error);

  /// Whether the message was processed; nullopt when there is no such id.
  [[nodiscard]] std::optional<bool> is_processed(std::int64_t id);

  /// Ids of unprocessed messages (pending or failed) created before `before`, oldest first.
  [[nodiscard]] std::vector<std::int64_t> unprocessed_messages(
      std::chrono::system_clock::time_point before, std::size_t limit);

  /// Deletes messages (and their attachment rows) created before `cutoff`, in one
  /// transaction; returns the files the caller should now delete.
  cleanup_result delete_messages_older_than(std::chrono::system_clock::time_point cutoff);

 private:
  std::int64_t now_seconds() const;
  bool messages_table_is_old();
  void upgrade_messages_table();
  std::int64_t customer_id(const customer_ref& customer, bool create);

  sql::session* db_;
  mail_store_options options_;
};

}  // namespace ferry::apps
