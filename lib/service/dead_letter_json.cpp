// The JSON the dead-letter API answers and the `dlq ... --json` CLI prints.
#include <nlohmann/json.hpp>

#include "ferry/service/dead_letter_admin.hpp"
#include "json_text.hpp"

namespace ferry::service {
namespace {

using json = nlohmann::json;

json time_or_null(const std::optional<dead_letter_record::time_point>& t) {
  if (!t) return nullptr;
  return iso8601_millis(*t);
}

json letter_json(const dead_letter_record& r) {
  json details = json::object();
  for (const auto& [k, v] : r.details) details[k] = v;
  return {{"id", r.id},
          {"payload", r.payload},
          {"error", r.error},
          {"attempts", r.attempts},
          {"max_attempts", r.max_attempts ? json(*r.max_attempts) : json(nullptr)},
          {"first_failure", time_or_null(r.first_failure)},
          {"last_failure", time_or_null(r.last_failure)},
          {"dead_at", time_or_null(r.dead_at)},
          {"details", std::move(details)}};
}

}  // namespace

std::string dead_letter_queues_json(const std::vector<dead_letter_queue_info>& queues) {
  auto list = json::array();
  std::int64_t total = 0;
  for (const auto& q : queues) {
    json e{{"source", q.source}, {"queue", q.queue}, {"dead", q.count}, {"exists", q.exists}};
    for (const auto& [name, n] : q.counts) e[name] = n;
    total += q.count;
    list.push_back(std::move(e));
  }
  return detail::json_text({{"queues", std::move(list)}, {"total_dead", total}});
}

std::string dead_letter_page_json(const dead_letter_page& page) {
  auto messages = json::array();
  for (const auto& r : page.letters) messages.push_back(letter_json(r));
  return detail::json_text({{"source", page.source},
                            {"queue", page.queue},
                            {"total", page.total},
                            {"offset", page.offset},
                            {"limit", page.limit},
                            {"messages", std::move(messages)}});
}

}  // namespace ferry::service
