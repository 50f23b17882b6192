#include "tasks.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <ferry/celery/protocol/iso8601.hpp>
#include <ferry/core/error.hpp>
#include <ferry/mail/parse.hpp>
#include <ferry/mail/sanitize.hpp>
#include <ferry/sql/database_url.hpp>
#include <ferry/sql/session.hpp>

#include "common/mail_store.hpp"

namespace ferry::apps::celery_worker {
namespace fc = ferry::celery;
using fc::json;

namespace {

json mailbox_json(const mail::mailbox& m) {
  return json{{"name", m.name}, {"address", m.address}};
}

json mailboxes(const std::vector<mail::mailbox>& v) {
  json a = json::array();
  for (const auto& m : v) a.push_back(mailbox_json(m));
  return a;
}

}  // namespace

json parse_message_summary(const std::string& raw) {
  auto m = mail::parse_message(raw);
  json j = json::object();
  j["message_id"] = m.message_id ? json(*m.message_id) : json(nullptr);
  j["subject"] = m.subject;
  j["from"] = m.from ? mailbox_json(*m.from) : json(nullptr);
  j["to"] = mailboxes(m.to);
  j["cc"] = mailboxes(m.cc);
  j["date"] = m.date ? json(fc::protocol::format_isoformat(*m.date)) : json(nullptr);
  j["text_body"] = m.text_body;
  j["html_body"] = mail::sanitize_html(m.html_body);
  json atts = json::array();
  for (const auto& a : m.attachments)
    atts.push_back(
        json{{"filename", a.safe_filename}, {"content_type", a.content_type}, {"size", a.size}});
  j["attachments"] = std::move(atts);
  j["warnings"] = m.warnings;
  return j;
}

void register_tasks(celery::worker& w, const task_settings& settings) {
  w.register_task("tasks.parse_message",
                  [](const json& args, const json& kwargs, fc::task_context&) {
                    const json& raw = !args.empty() ? args.at(0) : kwargs.at("raw");
                    if (!raw.is_string())
                      throw std::invalid_argument("parse_message: raw email must be a string");
                    return parse_message_summary(raw.get<std::string>());
                  });
  w.register_task("tasks.cleanup_old_messages", [settings](const json& args, const json& kwargs,
                                                           fc::task_context&) {
    long long days = 30;
    if (!args.empty())
      days = args.at(0).get<long long>();
    else if (kwargs.contains("days"))
      days = kwargs.at("days").get<long long>();
    if (days < 0) throw std::invalid_argument("cleanup_old_messages: days must be >= 0");
    if (!settings.db_url)
      throw error(errc::config,
                  "cleanup_old_messages: no database configured (DATABASE_URL, DB_URL or DB_*)");
    sql::session db{sql::database_url::parse(*settings.db_url)};
    mail_store store{db};
    store.init_schema();  // idempotent; lets the task run against a fresh database
    auto cutoff = std::chrono::system_clock::now() - std::chrono::hours(24 * days);
    auto r = store.delete_messages_older_than(cutoff);
    std::size_t removed = 0;
    for (const auto& f : r.files) {
      std::error_code ec;
      if (std::filesystem::remove(f, ec)) ++removed;
    }
    return json{{"deleted", r.messages_deleted}, {"files_removed", removed}};
  });
  if (!settings.test_tasks) return;
  w.register_task("tasks.add", [](const json& a, const json&, fc::task_context&) {
    return json(a.at(0).get<long long>() + a.at(1).get<long long>());
  });
  w.register_task("tasks.mul", [](const json& a, const json&, fc::task_context&) {
    return json(a.at(0).get<long long>() * a.at(1).get<long long>());
  });
  // sleep_record(key, seconds): the shared-queue kill test's slow task.
  w.register_task("tasks.sleep_record", [](const json& a, const json&, fc::task_context&) {
    std::this_thread::sleep_for(std::chrono::duration<double>(a.at(1).get<double>()));
    return json{{"ran_by", "ferry"}, {"key", a.at(0)}};
  });
}

}  // namespace ferry::apps::celery_worker
