#include "processor.hpp"

#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <ferry/core/error.hpp>
#include <ferry/mail/attachment_store.hpp>
#include <ferry/mail/parse.hpp>
#include <ferry/mail/sanitize.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/sql/session.hpp>

#include "common/email_job.hpp"
#include "common/mail_store.hpp"

namespace ferry::apps::worker {

namespace {

std::string read_spooled(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(errc::io_error, "cannot open spooled message " + path);
  std::string raw(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw error(errc::io_error, "cannot read spooled message " + path);
  return raw;
}

std::string join_addresses(const std::vector<mail::mailbox>& boxes) {
  std::string out;
  for (const auto& b : boxes) {
    if (!out.empty()) out += ", ";
    out += b.address;
  }
  return out;
}

}  // namespace

struct email_processor::impl {
  impl(const config& c, log_fn l) : cfg(c), log(std::move(l)), blobs(c.attachment_dir) {}

  mail_store& store() {
    // A session that saw its connection break is replaced (PostgreSQL restarts); SQLite
    // sessions stay healthy through busy errors.
    if (!db || !db->healthy()) {
      st.reset();
      db.reset();
      db.emplace(cfg.db, sql::session_options{.query_timeout = cfg.db_timeout});
      st.emplace(*db);
    }
    return *st;
  }

  void invalidate(const std::string& recipient) {
    if (cfg.redis_url.empty()) return;
    const std::string key = "policy:" + recipient;
    try {
      if (!redis) redis = std::make_unique<redis::client>(cfg.redis_url);
      redis->command({"DEL", key});
    } catch (const std::exception& e) {
      // The cached decision expires by its TTL anyway; a stale cache must not stop mail.
      ++stats.invalidation_failures;
      log("warning", "cannot invalidate " + key + ": " + e.what());
    }
  }

  void mark_failed(std::int64_t id, const std::string& why) {
    try {
      (void)store().mark_failed(id, why);
    } catch (const std::exception& e) {
      log("error", "cannot mark message " + std::to_string(id) + " failed: " + e.what());
    }
  }

  void process(const email_job& job) {
    auto record = store().get_message(job.message_id);
    if (!record) {
      throw error(errc::not_found, "no message record " + std::to_string(job.message_id));
    }
    if (record->is_processed) {
      ++stats.already_processed;
      if (cfg.verbose)
        log("info", "message " + std::to_string(job.message_id) + " already processed");
      return;
    }
    const std::string spooled = job.email_ref ? read_spooled(*job.email_ref) : std::string();
    const std::string& raw = job.email_data ? *job.email_data : spooled;  // inline: no copy
    mail::parsed_message m = mail::parse_message(raw);
    if (cfg.pause_after_parse.count() > 0) {
      if (cfg.verbose)
        log("info", "message " + std::to_string(job.message_id) + " parsed, pausing");
      std::this_thread::sleep_for(cfg.pause_after_parse);
    }

    parsed_message fields;
    fields.subject = m.subject;
    if (m.from) fields.from_addr = m.from->address;
    fields.to_addrs = join_addresses(m.to);
    fields.date = header_value(raw, "Date");
    if (!m.text_body.empty()) fields.text_body = m.text_body;
    if (!m.html_body.empty()) {
      try {
        fields.html_body = mail::sanitize_html(m.html_body);
      } catch (const error& e) {
        // HTML too large or too deeply nested to sanitise safely: keep the text, drop the HTML.
        log("warning", "message " + std::to_string(job.message_id) + ": HTML dropped: " + e.what());
      }
    }
    std::vector<attachment> atts;
    atts.reserve(m.attachments.size());
    for (const auto& a : m.attachments) {
      const auto stored = blobs.store(a.bytes);
      atts.push_back(
          {.filename = a.safe_filename,
           .content_type = a.content_type.empty() ? "application/octet-stream" : a.content_type,
           .size = static_cast<std::int64_t>(a.bytes.size()),
           .sha256 = stored.sha256,
           .storage_path = stored.path.string()});
    }
    if (store().mark_processed(job.message_id, fields, atts)) {
      ++stats.processed;
      if (cfg.verbose) log("info", "message " + std::to_string(job.message_id) + " processed");
    } else {
      ++stats.already_processed;  // another worker won the race
    }
    invalidate(record->recipient);
  }

  config cfg;
  log_fn log;
  mail::attachment_store blobs;
  std::optional<sql::session> db;
  std::optional<mail_store> st;
  std::unique_ptr<redis::client> redis;
  processor_stats stats;
};

email_processor::email_processor(const config& cfg, log_fn log)
    : p_(std::make_unique<impl>(cfg, std::move(log))) {}
email_processor::~email_processor() = default;

const processor_stats& email_processor::stats() const noexcept {
  return p_->stats;
}

ferry::outcome email_processor::handle(const ferry::delivery& d) {
  email_job job;
  try {
    job = decode_email_job(d.payload);
  } catch (const error& e) {
    ++p_->stats.failed;  // no record to mark: the DLQ copy carries the error
    return failed(d, e.what());
  }
  try {
    p_->process(job);
    return ferry::outcome::ack();
  } catch (const error& e) {
    if (e.is_transient() && !d.is_last_attempt()) {
      ++p_->stats.transient;
      p_->log("warning", "message " + std::to_string(job.message_id) + " (attempt " +
                             std::to_string(d.attempt) + ") will be retried: " + e.what());
      return ferry::outcome::retry(e.what());
    }
    const std::string why =
        e.is_transient() ? "gave up after " + std::to_string(d.attempt) + " attempts: " + e.what()
                         : std::string(e.what());
    ++p_->stats.failed;
    p_->mark_failed(job.message_id, why);
    return failed(d, why);
  } catch (const std::exception& e) {
    ++p_->stats.failed;
    p_->mark_failed(job.message_id, e.what());
    return failed(d, e.what());
  }
}

ferry::outcome email_processor::failed(const ferry::delivery& d, const std::string& why) {
  p_->log("error", "message failed: " + why + (d.id.empty() ? "" : " (" + d.id + ")"));
  return ferry::outcome::dead_letter(why);
}

}  // namespace ferry::apps::worker
