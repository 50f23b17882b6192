#include "common/mail_store.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include <ferry/core/checked_time.hpp>
#include <ferry/core/error.hpp>

namespace ferry::apps {
namespace {

using clock = std::chrono::system_clock;

std::int64_t to_seconds(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

clock::time_point from_seconds(std::int64_t s) {
  return ferry::time_from_unix(std::chrono::seconds(s)).value;
}

std::string checked_address(std::string_view address) {
  auto a = normalize_address(address);
  if (a.empty()) throw std::invalid_argument("mail_store: empty email address");
  return a;
}

std::string_view status_name(message_status s) {
  switch (s) {
    case message_status::pending: return "pending";
    case message_status::processed: return "processed";
    case message_status::failed: return "failed";
  }
  return "pending";
}

message_status parse_status(std::string_view s) {
  if (s == "processed") return message_status::processed;
  if (s == "failed") return message_status::failed;
  return message_status::pending;
}

}  // namespace

std::string normalize_address(std::string_view address) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  };
  while (!address.empty() && is_space(address.front())) address.remove_prefix(1);
  while (!address.empty() && is_space(address.back())) address.remove_suffix(1);
  std::string out(address);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

mail_store::mail_store(sql::session& db, mail_store_options options)
    : db_(&db), options_(std::move(options)) {
  if (!options_.clock) throw std::invalid_argument("mail_store_options::clock is empty");
}

std::int64_t mail_store::now_seconds() const {
  return to_seconds(options_.clock());
}

void mail_store::init_schema() {
  upgrade_messages_table();
  sql::transaction tx(*db_);
  db_->exec_script(schema_sql(db_->kind()));
  tx.commit();
}

bool mail_store::messages_table_is_old() {
  // Old: the table exists but has no delivery_key (it was unique on Message-ID + recipient).
  const auto columns =
      db_->kind() == sql::backend::sqlite
          ? db_->query_value<std::int64_t>(
                "SELECT count(*) FROM pragma_table_info('messages') "
                "WHERE name IN ('message_id_header', 'delivery_key')")
          : db_->query_value<std::int64_t>(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = 'messages' "
                "AND column_name IN ('message_id_header', 'delivery_key')");
  return columns == 1;
}

void mail_store::upgrade_messages_table() {
  if (!messages_table_is_old()) return;
  if (db_->kind() == sql::backend::postgresql) {
    sql::transaction tx(*db_);
    db_->exec("ALTER TABLE messages ADD COLUMN IF NOT EXISTS delivery_key TEXT");
    // The name PostgreSQL gave the old table constraint UNIQUE (message_id_header, recipient).
    db_->exec(
        "ALTER TABLE messages DROP CONSTRAINT IF EXISTS "
        "messages_message_id_header_recipient_key");
    tx.commit();
    return;
  }
  // SQLite cannot drop a table constraint: the table is rebuilt (its documented procedure).
  // Foreign keys off, so dropping the old table does not cascade into attachments; legacy
  // renaming, so attachments keeps referring to "messages" (the new table) and not to the old
  // one's new name. Both pragmas only take effect outside a transaction.
  const bool foreign_keys = db_->query_value<std::int64_t>("PRAGMA foreign_keys") == 1;
  db_->exec("PRAGMA foreign_keys=OFF");
  db_->exec("PRAGMA legacy_alter_table=ON");
  struct restore_pragmas {
    sql::session& db;
    bool foreign_keys;
    ~restore_pragmas() {
      try {
        db.exec("PRAGMA legacy_alter_table=OFF");
        if (foreign_keys) db.exec("PRAGMA foreign_keys=ON");
      } catch (const std::exception&) {
        // A destructor must not throw; a broken session fails its next statement anyway.
      }
    }
  } restore{*db_, foreign_keys};
  sql::transaction tx(*db_);
  if (!messages_table_is_old()) return;  // another process upgraded it meanwhile
  constexpr std::string_view columns =
      "id, message_id_header, recipient, sender, raw_size, raw_ref, raw, subject, from_addr, "
      "to_addrs, date, text_body, html_body, is_processed, processed_at, status, error, "
      "created_at";
  db_->exec("ALTER TABLE messages RENAME TO messages_before_delivery_key");
  db_->exec_script(schema_sql(db_->kind()));  // the new messages table
  db_->exec(fmt::format("INSERT INTO messages({0}) SELECT {0} FROM messages_before_delivery_key",
                        columns));
  // Ids of deleted newest rows stay unused (AUTOINCREMENT's promise).
  db_->exec(
      "UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence "
      "WHERE name = 'messages_before_delivery_key')) WHERE name = 'messages'");
  db_->exec("DROP TABLE messages_before_delivery_key");
  db_->exec_script(schema_sql(db_->kind()));  // indexes that went with the old table
  tx.commit();
}

std::optional<recipient_info> mail_store::lookup_recipient(std::string_view address) {
  const auto a = normalize_address(address);
  if (a.empty()) return std::nullopt;
  auto r = db_->query_one<std::string, std::int64_t, std::string, bool>(
      "SELECT e.address, e.customer_id, c.tier, CAST(e.active AS INTEGER) "
      "FROM email_addresses e JOIN customers c ON c.id = e.customer_id WHERE e.address = :a",
      a);
  if (!r) return std::nullopt;
  auto& [addr, customer, tier, active] = *r;
  return recipient_info{std::move(addr), customer, std::move(tier), active};
}

std::int64_t mail_store::customer_id(const customer_ref& customer, bool create) {
  if (const auto* id = std::get_if<std::int64_t>(&customer)) {
    if (!db_->query_value<std::int64_t>("SELECT id FROM customers WHERE id = :id", *id)) {
      throw error(errc::not_found, fmt::format("mail_store: no customer with id {}", *id));
    }
    return *id;
  }
  const auto& name = std::get<std::string>(customer);
  if (name.empty()) throw std::invalid_argument("mail_store: empty customer name");
  if (auto id = db_->query_value<std::int64_t>("SELECT id FROM customers WHERE name = :n", name)) {
    return *id;
  }
  if (!create) throw error(errc::not_found, fmt::format("mail_store: no customer '{}'", name));
  return *db_->query_value<std::int64_t>(
      "INSERT INTO customers(name, created_at) VALUES (:n, :t) RETURNING id", name, now_seconds());
}

std::string mail_store::add_address(std::string_view address, const customer_ref& customer,
                                    bool active) {
  const auto a = checked_address(address);
  sql::transaction tx(*db_);
  const auto cid = customer_id(customer, true);
  const auto now = now_seconds();
  db_->exec(
      "INSERT INTO email_addresses(address, customer_id, active, created_at, updated_at) "
      "VALUES (:a, :c, :active, :t, :t2) "
      "ON CONFLICT (address) DO UPDATE SET customer_id = excluded.customer_id, "
      "active = excluded.active, updated_at = excluded.updated_at",
      a, cid, active, now, now);
  tx.commit();
  return a;
}

bool mail_store::remove_address(std::string_view address) {
  return db_->exec("DELETE FROM email_addresses WHERE address = :a", checked_address(address)) > 0;
}

bool mail_store::set_active(std::string_view address, bool active) {
  return db_->exec("UPDATE email_addresses SET active = :v, updated_at = :t WHERE address = :a",
                   active, now_seconds(), checked_address(address)) > 0;
}

std::vector<std::string> mail_store::set_customer_tier(const customer_ref& customer,
                                                       std::string_view tier) {
  if (tier.empty()) throw std::invalid_argument("mail_store: empty tier");
  sql::transaction tx(*db_);
  const auto cid = customer_id(customer, false);
  db_->exec("UPDATE customers SET tier = :t WHERE id = :id", tier, cid);
  std::vector<std::string> addresses;
  for (auto& [a] : db_->query<std::string>(
           "SELECT address FROM email_addresses WHERE customer_id = :id ORDER BY address", cid)) {
    addresses.push_back(std::move(a));
  }
  tx.commit();
  return addresses;
}

create_result mail_store::create_message(const new_message& m) {
  if (m.message_id_header.empty()) throw std::invalid_argument("mail_store: empty Message-ID");
  if (m.delivery_key.empty()) throw std::invalid_argument("mail_store: empty delivery key");
  const auto rcpt = checked_address(m.recipient);
  // ON CONFLICT DO NOTHING returns no row for a duplicate; both engines then find the winner.
  if (auto id = db_->query_value<std::int64_t>(
          "INSERT INTO messages(message_id_header, delivery_key, recipient, sender, raw_size, "
          "raw_ref, raw, created_at) VALUES (:mid, :key, :rcpt, :sender, :size, :ref, :raw, :t) "
          "ON CONFLICT (delivery_key, recipient) DO NOTHING RETURNING id",
          m.message_id_header, m.delivery_key, rcpt, m.sender, m.raw_size, m.raw_ref, m.raw,
          now_seconds())) {
    return {*id, true};
  }
  auto id = db_->query_value<std::int64_t>(
      "SELECT id FROM messages WHERE delivery_key = :key AND recipient = :rcpt", m.delivery_key,
      rcpt);
  if (!id) {
    throw error(errc::server_error, "mail_store: message vanished between insert and select");
  }
  return {*id, false};
}

std::vector<unkeyed_message> mail_store::messages_without_delivery_key(clock::time_point since,
                                                                       std::size_t limit) {
  std::vector<unkeyed_message> out;
  for (auto& [id, ref, raw] :
       db_->query<std::int64_t, std::optional<std::string>, std::optional<std::string>>(
           "SELECT id, raw_ref, raw FROM messages WHERE delivery_key IS NULL AND created_at >= :t "
           "ORDER BY created_at, id LIMIT :n",
           to_seconds(since), static_cast<std::int64_t>(limit))) {
    out.push_back({id, std::move(ref), std::move(raw)});
  }
  return out;
}

bool mail_store::set_delivery_key(std::int64_t id, std::string_view key) {
  if (key.empty()) throw std::invalid_argument("mail_store: empty delivery key");
  return db_->exec(
             "UPDATE messages SET delivery_key = :k WHERE id = :id AND delivery_key IS NULL "
             "AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.delivery_key = :k2 "
             "AND o.recipient = messages.recipient)",
             key, id, key) > 0;
}

std::optional<message_record> mail_store::get_message(std::int64_t id) {
  using opt = std::optional<std::string>;
  auto r = db_->query_one<std::int64_t, std::string, std::string, std::string, std::int64_t, opt,
                          opt, opt, opt, opt, opt, opt, opt, bool, std::optional<std::int64_t>,
                          std::string, opt, std::int64_t>(
      "SELECT id, message_id_header, recipient, sender, raw_size, raw_ref, raw, subject, "
      "from_addr, to_addrs, date, text_body, html_body, CAST(is_processed AS INTEGER), "
      "processed_at, status, error, created_at FROM messages WHERE id = :id",
      id);
  if (!r) return std::nullopt;
  message_record m;
  std::optional<std::int64_t> processed_at;
  std::string status;
  std::int64_t created_at = 0;
  std::tie(m.id, m.message_id_header, m.recipient, m.sender, m.raw_size, m.raw_ref, m.raw,
           m.parsed.subject, m.parsed.from_addr, m.parsed.to_addrs, m.parsed.date,
           m.parsed.text_body, m.parsed.html_body, m.is_processed, processed_at, status, m.error,
           created_at) = std::move(*r);
  if (processed_at) m.processed_at = from_seconds(*processed_at);
  m.status = parse_status(status);
  m.created_at = from_seconds(created_at);
  for (auto& [filename, content_type, size, sha256, path] :
       db_->query<std::string, std::string, std::int64_t, std::string, opt>(
           "SELECT filename, content_type, size, sha256, storage_path FROM attachments "
           "WHERE message_id = :id ORDER BY id",
           id)) {
    m.attachments.push_back(
        {std::move(filename), std::move(content_type), size, std::move(sha256), std::move(path)});
  }
  return m;
}

bool mail_store::mark_processed(std::int64_t id, const parsed_message& p,
                                const std::vector<attachment>& attachments) {
  sql::transaction tx(*db_);
  const auto changed = db_->exec(
      "UPDATE messages SET subject = :s, from_addr = :f, to_addrs = :to, date = :d, "
      "text_body = :tb, html_body = :hb, is_processed = TRUE, processed_at = :now, "
      "status = :st, error = NULL WHERE id = :id AND is_processed = FALSE",
      p.subject, p.from_addr, p.to_addrs, p.date, p.text_body, p.html_body, now_seconds(),
      status_name(message_status::processed), id);
  if (changed == 0) {
    if (!is_processed(id)) {
      throw error(errc::not_found, fmt::format("mail_store: no message with id {}", id));
    }
    return false;  // already processed (a redelivery): keep the first result
  }
  for (const auto& a : attachments) {
    db_->exec(
        "INSERT INTO attachments(message_id, filename, content_type, size, sha256, "
        "storage_path) VALUES (:id, :f, :ct, :size, :sha, :path)",
        id, a.filename, a.content_type, a.size, a.sha256, a.storage_path);
  }
  tx.commit();
  return true;
}

bool mail_store::mark_failed(std::int64_t id, std::string_view error_text) {
  const auto changed = db_->exec(
      "UPDATE messages SET status = :st, error = :e, processed_at = :now "
      "WHERE id = :id AND is_processed = FALSE",
      status_name(message_status::failed), error_text, now_seconds(), id);
  if (changed == 0 && !is_processed(id)) {
    throw error(errc::not_found, fmt::format("mail_store: no message with id {}", id));
  }
  return changed > 0;
}

std::optional<bool> mail_store::is_processed(std::int64_t id) {
  return db_->query_value<bool>("SELECT CAST(is_processed AS INTEGER) FROM messages WHERE id = :id",
                                id);
}

std::vector<std::int64_t> mail_store::unprocessed_messages(clock::time_point before,
                                                           std::size_t limit) {
  std::vector<std::int64_t> ids;
  for (auto [id] : db_->query<std::int64_t>(
           "SELECT id FROM messages WHERE is_processed = FALSE AND created_at < :t "
           "ORDER BY created_at, id LIMIT :n",
           to_seconds(before), static_cast<std::int64_t>(limit))) {
    ids.push_back(id);
  }
  return ids;
}

cleanup_result mail_store::delete_messages_older_than(clock::time_point cutoff) {
  const auto t = to_seconds(cutoff);
  cleanup_result out;
  sql::transaction tx(*db_);
  for (auto& [path] : db_->query<std::string>(
           "SELECT a.storage_path FROM attachments a JOIN messages m ON m.id = a.message_id "
           "WHERE m.created_at < :t AND a.storage_path IS NOT NULL ORDER BY a.id",
           t)) {
    out.files.push_back(std::move(path));
  }
  for (auto& [path] : db_->query<std::string>(
           "SELECT raw_ref FROM messages WHERE created_at < :t AND raw_ref IS NOT NULL "
           "ORDER BY id",
           t)) {
    out.files.push_back(std::move(path));
  }
  db_->exec(
      "DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE created_at < :t)",
      t);
  out.messages_deleted = db_->exec("DELETE FROM messages WHERE created_at < :t", t);
  tx.commit();
  return out;
}

}  // namespace ferry::apps
