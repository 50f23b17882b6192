#include "common/dlq_admin.hpp"

#include <algorithm>
#include <stdexcept>

#include <ferry/amqp/connection.hpp>
#include <ferry/amqp/dead_letters.hpp>
#include <ferry/amqp/topology.hpp>
#include <ferry/error.hpp>
#include <ferry/queue/queue.hpp>

namespace ferry::apps {
namespace {

using sys_clock = std::chrono::system_clock;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The queue stores 0 for "never" (e.g. no failure yet).
std::optional<sys_clock::time_point> known_time(sys_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return std::nullopt;
  return t;
}

std::optional<sys_clock::time_point> known_time(std::optional<std::chrono::sys_seconds> t) {
  if (!t) return std::nullopt;
  return sys_clock::time_point{*t};
}

dlq_entry from_redis(queue::dead_letter d) {
  dlq_entry e;
  e.id = std::move(d.id);
  e.payload = std::move(d.payload);
  e.error = std::move(d.error);
  e.attempts = d.attempts;
  e.max_attempts = d.max_attempts;
  e.worker = std::move(d.worker);
  e.enqueued_at = known_time(d.enqueued_at);
  e.first_failure = known_time(d.first_failure);
  e.last_failure = known_time(d.last_failure);
  e.dead_at = known_time(d.dead_at);
  return e;
}

dlq_entry from_amqp(amqp::dead_message m) {
  dlq_entry e;
  e.id = std::move(m.id);
  e.payload = std::move(m.msg.body);
  e.error = m.error.value_or("");
  e.attempts = m.attempts;
  if (m.msg.props.timestamp) e.enqueued_at = sys_clock::time_point{*m.msg.props.timestamp};
  e.first_failure = known_time(m.first_failure);
  e.last_failure = known_time(m.last_failure);
  e.dead_at = e.last_failure;
  e.redelivered = m.redelivered;
  return e;
}

// The handles on one queue's DLQ, made per call: the admin holds no connections.
queue::queue redis_queue(redis::client& redis, const dlq_admin_options& o, std::string_view name) {
  return queue::queue{redis, std::string(name), o.queue};
}

amqp::dead_letter_queue amqp_dlq(const dlq_admin_options& o, std::string_view name) {
  return amqp::dead_letter_queue{*o.amqp, std::string(name), {.max_scan = o.amqp_max_scan}};
}

// A RabbitMQ DLQ that does not exist yet holds nothing: answer like an empty one instead of
// letting basic.get fail with 404.
bool amqp_dlq_exists(amqp::dead_letter_queue& dlq) {
  return dlq.depth().has_value();
}

}  // namespace

std::string_view to_string(dlq_backend b) noexcept {
  return b == dlq_backend::amqp ? "amqp" : "redis";
}

void dlq_admin::check_queue_name(std::string_view name) {
  if (name.empty() || name.size() > 200) {
    throw std::invalid_argument("queue name must be 1-200 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) throw std::invalid_argument("queue name may contain only [A-Za-z0-9_.:-]");
  }
}

void dlq_admin::check_id(dlq_backend backend, std::string_view id) {
  if (backend == dlq_backend::redis) {
    const bool ok = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                    });
    if (!ok) throw std::invalid_argument("job id must be 32 lowercase hex digits");
    return;
  }
  const bool ok = !id.empty() && id.size() <= 255 &&
                  std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!ok) throw std::invalid_argument("message id must be 1-255 printable ASCII characters");
}

dlq_admin::dlq_admin(redis::client& redis, dlq_admin_options options)
    : redis_(redis), opts_(std::move(options)) {
  for (const auto& q : opts_.redis_queues) check_queue_name(q);
  for (const auto& q : opts_.amqp_queues) {
    check_queue_name(q);
    if (contains(opts_.redis_queues, q)) {
      throw std::invalid_argument("queue '" + q + "' is configured for both Redis and RabbitMQ");
    }
  }
  if (!opts_.amqp_queues.empty() && !opts_.amqp) {
    throw std::invalid_argument("RabbitMQ queues configured without a RabbitMQ URL");
  }
  if (opts_.max_limit == 0) throw std::invalid_argument("max_limit must be >= 1");
}

dlq_backend dlq_admin::backend_of(std::string_view name) {
  check_queue_name(name);
  if (contains(opts_.amqp_queues, name)) return dlq_backend::amqp;
  if (contains(opts_.redis_queues, name)) return dlq_backend::redis;
  if (contains(queue::known_queues(redis_, opts_.queue.key_prefix), name)) {
    return dlq_backend::redis;
  }
  throw error(errc::not_found, "unknown queue '" + std::string(name) + "'");
}

std::vector<dlq_summary> dlq_admin::stats() {
  std::vector<std::string> names = queue::known_queues(redis_, opts_.queue.key_prefix);
  for (const auto& q : opts_.redis_queues) {
    if (!contains(names, q)) names.push_back(q);
  }
  std::sort(names.begin(), names.end());
  std::vector<dlq_summary> out;
  for (const auto& n : names) {
    if (contains(opts_.amqp_queues, n)) continue;
    dlq_summary s;
    s.queue = n;
    s.stats = redis_queue(redis_, opts_, n).stats();
    s.dead = s.stats->dead;
    out.push_back(std::move(s));
  }
  if (!opts_.amqp_queues.empty()) {
    auto sorted = opts_.amqp_queues;
    std::sort(sorted.begin(), sorted.end());
    amqp::connection conn{*opts_.amqp};  // one connection for all depths
    for (const auto& n : sorted) {
      dlq_summary s;
      s.queue = n;
      s.backend = dlq_backend::amqp;
      const auto depth = amqp::inspect_queue(conn, n + ".dlq");
      s.exists = depth.has_value();
      s.dead = depth ? depth->message_count : 0;
      out.push_back(std::move(s));
    }
  }
  return out;
}

dlq_page dlq_admin::list(std::string_view name, std::size_t offset, std::size_t limit) {
  if (limit == 0 || limit > opts_.max_limit) {
    throw std::invalid_argument("limit must be 1-" + std::to_string(opts_.max_limit));
  }
  dlq_page page;
  page.backend = backend_of(name);
  page.queue = std::string(name);
  page.offset = offset;
  page.limit = limit;
  if (page.backend == dlq_backend::redis) {
    auto q = redis_queue(redis_, opts_, name);
    page.total = q.dead_count();
    for (auto& d : q.list_dead(offset, limit)) page.entries.push_back(from_redis(std::move(d)));
    return page;
  }
  if (offset > opts_.amqp_max_scan || limit > opts_.amqp_max_scan - offset) {
    throw std::invalid_argument("offset + limit must be at most " +
                                std::to_string(opts_.amqp_max_scan) + " for a RabbitMQ DLQ");
  }
  auto dlq = amqp_dlq(opts_, name);
  const auto depth = dlq.depth();
  page.total = depth.value_or(0);
  if (!depth || *depth == 0) return page;
  for (auto& m : dlq.peek(offset, limit)) page.entries.push_back(from_amqp(std::move(m)));
  return page;
}

bool dlq_admin::requeue(std::string_view name, std::string_view id) {
  const auto backend = backend_of(name);
  check_id(backend, id);
  if (backend == dlq_backend::redis) return redis_queue(redis_, opts_, name).requeue_dead(id);
  auto dlq = amqp_dlq(opts_, name);
  return amqp_dlq_exists(dlq) && dlq.requeue(id);
}

std::size_t dlq_admin::requeue_all(std::string_view name) {
  const auto backend = backend_of(name);
  if (backend == dlq_backend::redis) return redis_queue(redis_, opts_, name).requeue_all_dead();
  auto dlq = amqp_dlq(opts_, name);
  return amqp_dlq_exists(dlq) ? dlq.requeue_all() : 0;
}

bool dlq_admin::remove(std::string_view name, std::string_view id) {
  const auto backend = backend_of(name);
  check_id(backend, id);
  if (backend == dlq_backend::redis) return redis_queue(redis_, opts_, name).delete_dead(id);
  auto dlq = amqp_dlq(opts_, name);
  return amqp_dlq_exists(dlq) && dlq.remove(id);
}

std::size_t dlq_admin::purge(std::string_view name) {
  const auto backend = backend_of(name);
  if (backend == dlq_backend::redis) return redis_queue(redis_, opts_, name).purge_dead();
  return amqp_dlq(opts_, name).purge();
}

}  // namespace ferry::apps
