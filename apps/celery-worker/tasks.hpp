// The email deployment's Celery tasks in C++, under the names its Python side registers.
#pragma once

#include <optional>
#include <string>

#include <ferry/celery/worker.hpp>

namespace ferry::apps::celery_worker {

struct task_settings {
  /// The database of tasks.cleanup_old_messages (--database-url, DATABASE_URL, DB_URL or DB_*);
  /// nullopt = the task fails with a config error.
  std::optional<std::string> db_url{};
  /// Also register tasks.add, tasks.mul, tasks.sleep_record (tests and smoke checks).
  bool test_tasks = false;
};

/// tasks.parse_message(raw_email) → {"message_id", "subject", "from", "to", "cc", "date",
/// "text_body", "html_body" (sanitised), "attachments": [{"filename", "content_type",
/// "size"}], "warnings"}.
[[nodiscard]] celery::json parse_message_summary(const std::string& raw);

/// Registers the tasks on `w`.
void register_tasks(celery::worker& w, const task_settings& settings);

}  // namespace ferry::apps::celery_worker
