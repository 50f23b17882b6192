#include "views.hpp"

#include <cstdio>
#include <ctime>

namespace ferry::apps::retry {
namespace {

nlohmann::json time_or_null(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return nullptr;
  return iso8601(*t);
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // Floor, not truncate: before 1970 the milliseconds stay in [0, 999] and the second is right.
  const auto whole = floor<seconds>(t);
  const auto ms = duration_cast<milliseconds>(t - whole).count();
  const std::time_t secs = system_clock::to_time_t(whole);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

nlohmann::json stats_view(const std::vector<dlq_summary>& stats) {
  auto queues = nlohmann::json::array();
  std::int64_t total = 0;
  for (const auto& s : stats) {
    nlohmann::json q{{"queue", s.queue}, {"backend", to_string(s.backend)}, {"dead", s.dead}};
    if (s.stats) {
      q["ready"] = s.stats->ready;
      q["in_flight"] = s.stats->in_flight;
      q["scheduled"] = s.stats->scheduled;
      q["retried"] = s.stats->retried;
      q["dead_lettered"] = s.stats->dead_lettered;
    }
    if (s.backend == dlq_backend::amqp) {
      q["dlq"] = s.queue + ".dlq";
      q["exists"] = s.exists;
    }
    total += s.dead;
    queues.push_back(std::move(q));
  }
  return {{"queues", std::move(queues)}, {"total_dead", total}};
}

nlohmann::json page_view(const dlq_page& page) {
  auto messages = nlohmann::json::array();
  for (const auto& e : page.entries) {
    nlohmann::json m{{"id", e.id},
                     {"payload", e.payload},
                     {"error", e.error},
                     {"attempts", e.attempts},
                     {"enqueued_at", time_or_null(e.enqueued_at)},
                     {"first_failure", time_or_null(e.first_failure)},
                     {"last_failure", time_or_null(e.last_failure)},
                     {"dead_at", time_or_null(e.dead_at)}};
    if (page.backend == dlq_backend::redis) {
      m["max_attempts"] = e.max_attempts.value_or(0);
      m["worker"] = e.worker;
    } else {
      m["redelivered"] = e.redelivered;
    }
    messages.push_back(std::move(m));
  }
  return {{"queue", page.queue}, {"backend", to_string(page.backend)},
          {"total", page.total}, {"offset", page.offset},
          {"limit", page.limit}, {"messages", std::move(messages)}};
}

nlohmann::json error_view(std::string_view message) {
  return {{"error", std::string(message)}};
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ferry::apps::retry
