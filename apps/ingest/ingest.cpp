#include "ingest.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include <ferry/amqp/publisher.hpp>
#include <ferry/mail/attachment_store.hpp>
#include <ferry/sql/session.hpp>

#include "common/email_job.hpp"
#include "common/mail_store.hpp"

namespace ferry::apps::ingest {

std::string message_key(std::string_view raw) {
  if (auto id = header_value(raw, "Message-ID"); id && !id->empty()) return *id;
  // Without a Message-ID the content itself identifies a redelivery: Postfix hands over the
  // same bytes every time it retries the same queue file.
  return "<" + mail::sha256_hex(raw) + "@ferry-ingest>";
}

std::string delivery_key(std::string_view raw) {
  // pipe(8)'s F flag prepends "From sender date" with the time of each delivery attempt:
  // not part of the mail, so a retry hashes the same.
  if (raw.starts_with("From ")) {
    const auto eol = raw.find('\n');
    raw.remove_prefix(eol == std::string_view::npos ? raw.size() : eol + 1);
  }
  return mail::sha256_hex(raw);
}

struct ingestor::impl {
  explicit impl(const config& c)
      : cfg(c),
        db(c.db),
        store(db),
        spool(c.spool_dir),
        pub(amqp::url::parse(c.amqp_url), publisher_options_for(c)) {
    store.init_schema();
    key_recent_records();
  }

  // Records made by an older ferry-ingest have no delivery key. Postfix retries a deferred
  // mail for at most maximal_queue_lifetime (5 days by default): key the records of the last
  // week, so such a retry still finds its record instead of making a second one.
  void key_recent_records() {
    const auto since = std::chrono::system_clock::now() - std::chrono::days{7};
    for (const auto& m : store.messages_without_delivery_key(since, 10'000)) {
      std::string raw;
      if (m.raw) {
        raw = *m.raw;
      } else if (m.raw_ref) {
        std::ifstream in(*m.raw_ref, std::ios::binary);
        if (!in) continue;  // spool file gone: its mail was delivered long ago
        raw.assign(std::istreambuf_iterator<char>(in), {});
      } else {
        continue;
      }
      (void)store.set_delivery_key(m.id, delivery_key(raw));
    }
  }

  static amqp::publisher_options publisher_options_for(const config& c) {
    amqp::publisher_options o;
    o.confirm_timeout = c.confirm_timeout;
    o.reconnect_deadline = c.confirm_timeout;
    // The worker declares the same durable classic queue; declaring it here too means mail is
    // never published into the void when ingest runs before any worker has started.
    o.declare.queues.emplace_back().name = c.queue;
    return o;
  }

  config cfg;
  sql::session db;
  mail_store store;
  mail::attachment_store spool;
  amqp::publisher pub;
};

ingestor::ingestor(const config& cfg) : p_(std::make_unique<impl>(cfg)) {}
ingestor::~ingestor() = default;

ingest_result ingestor::ingest(std::string_view raw, std::string_view sender,
                               std::string_view recipient) {
  ingest_result r;
  r.message_id_header = message_key(raw);
  new_message m;
  m.message_id_header = r.message_id_header;
  m.delivery_key = delivery_key(raw);
  m.recipient = std::string(recipient);
  m.sender = std::string(sender);
  m.raw_size = static_cast<std::int64_t>(raw.size());
  if (raw.size() > p_->cfg.max_inline_bytes) {
    // Spool first, so the record never points at a file that is not there. The spool is
    // content-addressed: a redelivery rewrites nothing.
    const auto stored = p_->spool.store(raw);
    m.raw_ref = stored.path.string();
    r.spooled = true;
  } else {
    m.raw = std::string(raw);
  }
  const auto created = p_->store.create_message(m);
  r.message_id = created.id;
  r.created = created.created;

  // The record is written: its raw message (or spool path) moves into the queue message.
  const email_job job{
      .message_id = created.id, .email_data = std::move(m.raw), .email_ref = std::move(m.raw_ref)};
  amqp::message msg;
  msg.body = encode_email_job(job);
  msg.props.content_type = "application/json";
  msg.props.persistent = true;
  // One id per record, the same on every republish: the DLQ admin finds a message by it, and
  // two mails sharing a Message-ID are two records.
  msg.props.message_id = "ferry-message-" + std::to_string(created.id);
  msg.props.app_id = "ferry-ingest";
  p_->pub.publish("", p_->cfg.queue, msg);  // waits for the broker's confirm
  return r;
}

}  // namespace ferry::apps::ingest
