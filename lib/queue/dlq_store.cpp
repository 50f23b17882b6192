#include "ferry/queue/dlq_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "ferry/core/error.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/redis/client.hpp"

namespace ferry::queue {
namespace {

using time_point = dead_letter_record::time_point;

// The queue stores 0 for "never" (no failure yet).
std::optional<time_point> known(clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return std::nullopt;
  return std::chrono::time_point_cast<time_point::duration>(t);
}

std::string millis(clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

}  // namespace

dead_letter_record to_record(dead_letter d) {
  dead_letter_record r;
  r.source = "redis";
  r.queue = std::move(d.queue);
  r.id = std::move(d.id);
  r.payload = std::move(d.payload);
  r.error = std::move(d.error);
  r.attempts = d.attempts;
  r.max_attempts = d.max_attempts;
  r.first_failure = known(d.first_failure);
  r.last_failure = known(d.last_failure);
  r.dead_at = known(d.dead_at);
  if (!d.worker.empty()) r.details.emplace_back("worker", std::move(d.worker));
  r.details.emplace_back("priority", std::to_string(d.priority));
  if (known(d.enqueued_at)) r.details.emplace_back("enqueued_at_ms", millis(d.enqueued_at));
  if (d.dedup_key) r.details.emplace_back("dedup_key", std::move(*d.dedup_key));
  return r;
}

dlq_store::dlq_store(redis::client& redis, dlq_store_options options)
    : redis_(redis), opts_(std::move(options)) {
  for (const auto& q : opts_.queues) {
    if (q.empty()) throw std::invalid_argument("queue::dlq_store: empty queue name");
  }
}

void dlq_store::check_id(std::string_view id) {
  const bool ok = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (!ok) throw std::invalid_argument("job id must be 32 lowercase hex digits");
}

std::vector<std::string> dlq_store::names() {
  std::vector<std::string> all = known_queues(redis_, opts_.queue.key_prefix);
  all.insert(all.end(), opts_.queues.begin(), opts_.queues.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

bool dlq_store::serves(std::string_view name) {
  if (std::find(opts_.queues.begin(), opts_.queues.end(), name) != opts_.queues.end()) return true;
  return is_known_queue(redis_, name, opts_.queue.key_prefix);
}

queue dlq_store::open(std::string_view name) {
  if (!serves(name)) {
    throw error(errc::not_found, "no Redis queue '" + std::string(name) + "'");
  }
  return queue{redis_, std::string(name), opts_.queue};
}

std::vector<dead_letter_queue_info> dlq_store::queues() {
  std::vector<dead_letter_queue_info> out;
  for (const auto& n : names()) {
    // One script per queue reads the DLQ's size with the queue's own counts, which an
    // operator looking at dead letters wants beside them.
    const auto s = queue{redis_, n, opts_.queue}.stats();
    out.push_back({.source = "redis",
                   .queue = n,
                   .count = s.dead,
                   .exists = true,
                   .counts = {{"ready", s.ready},
                              {"in_flight", s.in_flight},
                              {"scheduled", s.scheduled},
                              {"enqueued", s.enqueued},
                              {"processed", s.processed},
                              {"failed", s.failed},
                              {"retried", s.retried},
                              {"recovered", s.recovered},
                              {"dead_lettered", s.dead_lettered}}});
  }
  return out;
}

std::int64_t dlq_store::count(std::string_view name) {
  return open(name).dead_count();
}

std::vector<dead_letter_record> dlq_store::page(std::string_view name, std::size_t offset,
                                                std::size_t limit) {
  std::vector<dead_letter_record> out;
  for (auto& d : open(name).list_dead(offset, limit)) out.push_back(to_record(std::move(d)));
  return out;
}

std::optional<dead_letter_record> dlq_store::find(std::string_view name, std::string_view id) {
  check_id(id);
  auto d = open(name).find_dead(id);
  if (!d) return std::nullopt;
  return to_record(std::move(*d));
}

bool dlq_store::requeue(std::string_view name, std::string_view id) {
  check_id(id);
  return open(name).requeue_dead(id);
}

std::size_t dlq_store::requeue_all(std::string_view name) {
  return open(name).requeue_all_dead();
}

bool dlq_store::remove(std::string_view name, std::string_view id) {
  check_id(id);
  return open(name).delete_dead(id);
}

std::size_t dlq_store::purge(std::string_view name) {
  return open(name).purge_dead();
}

std::size_t dlq_store::trim(std::string_view name, std::chrono::seconds max_age) {
  if (!serves(name)) throw error(errc::not_found, "no Redis queue '" + std::string(name) + "'");
  auto options = opts_.queue;
  options.dlq_retention = max_age;
  return queue{redis_, std::string(name), options}.trim_dead();
}

}  // namespace ferry::queue
