#include "ferry/celery/redis/dlq_store.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/fnv1a.hpp"

#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::celery::redis {
namespace {

using json = nlohmann::json;

// Takes the entry out of the dead-letter list and pushes its envelope to the work queue's list,
// in one step: never in both, never in neither.
const ferry::redis::script& requeue_script() {
  static const ferry::redis::script s{R"lua(
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
)lua"};
  return s;
}

const ferry::redis::script& purge_script() {
  static const ferry::redis::script s{R"lua(
local n = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return n
)lua"};
  return s;
}

std::string entry_hash(std::string_view text) {
  ferry::detail::fnv1a64 h;
  h.mix(text);
  return h.id();
}

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The record of one stored entry; an entry that is not the JSON ferry writes is kept whole as
// the payload, under its hash.
dead_letter_record to_record(std::string_view queue, const std::string& text) {
  dead_letter_record r;
  r.source = "celery-redis";
  r.queue = std::string(queue);
  const json entry = json::parse(text, nullptr, false);
  if (!entry.is_object()) {
    r.id = entry_hash(text);
    r.payload = text;
    r.error = "unreadable dead-letter entry";
    return r;
  }
  r.error = string_at(entry, "error");
  r.payload = string_at(entry, "envelope");
  try {
    r.dead_at = protocol::parse_iso8601(string_at(entry, "time"));
    r.last_failure = r.dead_at;
  } catch (const std::exception&) {  // no time, or not one: unknown
  }
  const json envelope = json::parse(r.payload, nullptr, false);
  const json* headers =
      envelope.is_object() && envelope.contains("headers") && envelope["headers"].is_object()
          ? &envelope["headers"]
          : nullptr;
  r.id = headers != nullptr ? string_at(*headers, "id") : std::string();
  if (r.id.empty()) r.id = entry_hash(text);
  if (headers != nullptr) {
    if (auto task = string_at(*headers, "task"); !task.empty())
      r.details.emplace_back("task", task);
    if (const auto it = headers->find("retries"); it != headers->end() && it->is_number_integer())
      r.attempts = it->get<std::int64_t>() + 1;
  }
  return r;
}

}  // namespace

dlq_store::dlq_store(std::shared_ptr<ferry::redis::client> redis, dlq_store_options options)
    : redis_(std::move(redis)), opts_(std::move(options)) {
  if (!redis_) throw std::invalid_argument("celery::redis::dlq_store: null client");
  if (opts_.suffix.empty()) throw std::invalid_argument("celery::redis::dlq_store: empty suffix");
  if (opts_.max_scan == 0) throw std::invalid_argument("celery::redis::dlq_store: max_scan is 0");
  std::sort(opts_.queues.begin(), opts_.queues.end());
  opts_.queues.erase(std::unique(opts_.queues.begin(), opts_.queues.end()), opts_.queues.end());
}

bool dlq_store::serves(std::string_view queue) {
  return std::binary_search(opts_.queues.begin(), opts_.queues.end(), queue);
}

std::string dlq_store::list_key(std::string_view queue) {
  if (!serves(queue)) {
    throw error(errc::not_found, "no Celery dead-letter list for '" + std::string(queue) + "'");
  }
  return opts_.global_keyprefix + std::string(queue) + opts_.suffix;
}

std::vector<dead_letter_queue_info> dlq_store::queues() {
  std::vector<dead_letter_queue_info> out;
  for (const auto& q : opts_.queues) {
    const auto n = redis_->command({"LLEN", list_key(q)}).as_integer();
    out.push_back({.source = "celery-redis", .queue = q, .count = n, .exists = n > 0});
  }
  return out;
}

std::int64_t dlq_store::count(std::string_view queue) {
  return redis_->command({"LLEN", list_key(queue)}).as_integer();
}

std::vector<dlq_store::entry> dlq_store::read(std::string_view queue, std::size_t offset,
                                              std::size_t limit) {
  std::vector<entry> out;
  if (limit == 0) return out;
  const auto r = redis_->command(
      {"LRANGE", list_key(queue), std::to_string(offset), std::to_string(offset + limit - 1)});
  for (const auto& e : r.elements()) {
    std::string text = e.as_string();
    auto record = to_record(queue, text);
    out.push_back({std::move(text), std::move(record)});
  }
  return out;
}

std::vector<dead_letter_record> dlq_store::page(std::string_view queue, std::size_t offset,
                                                std::size_t limit) {
  std::vector<dead_letter_record> out;
  for (auto& e : read(queue, offset, limit)) out.push_back(std::move(e.record));
  return out;
}

std::optional<dlq_store::entry> dlq_store::find_entry(std::string_view queue, std::string_view id) {
  if (id.empty()) throw std::invalid_argument("celery::redis::dlq_store: empty id");
  for (auto& e : read(queue, 0, opts_.max_scan)) {
    if (e.record.id == id) return std::move(e);
  }
  return std::nullopt;
}

std::optional<dead_letter_record> dlq_store::find(std::string_view queue, std::string_view id) {
  auto e = find_entry(queue, id);
  if (!e) return std::nullopt;
  return std::move(e->record);
}

bool dlq_store::requeue_entry(std::string_view queue, const entry& e) {
  const std::string work = opts_.global_keyprefix + std::string(queue);
  return requeue_script()
             .run(*redis_, {list_key(queue), work}, {e.text, e.record.payload})
             .as_integer() == 1;
}

bool dlq_store::remove_entry(std::string_view queue, const entry& e) {
  return redis_->command({"LREM", list_key(queue), "1", e.text}).as_integer() == 1;
}

bool dlq_store::requeue(std::string_view queue, std::string_view id) {
  const auto e = find_entry(queue, id);
  return e && requeue_entry(queue, *e);
}

std::size_t dlq_store::requeue_all(std::string_view queue) {
  std::size_t moved = 0;
  for (const auto& e : read(queue, 0, opts_.max_scan))
    if (requeue_entry(queue, e)) ++moved;
  return moved;
}

bool dlq_store::remove(std::string_view queue, std::string_view id) {
  const auto e = find_entry(queue, id);
  return e && remove_entry(queue, *e);
}

std::size_t dlq_store::purge(std::string_view queue) {
  return static_cast<std::size_t>(purge_script().run(*redis_, {list_key(queue)}, {}).as_integer());
}

std::size_t dlq_store::trim(std::string_view queue, std::chrono::seconds max_age) {
  const auto cutoff = std::chrono::system_clock::now() - max_age;
  std::size_t removed = 0;
  for (const auto& e : read(queue, 0, opts_.max_scan)) {
    if (e.record.dead_at && *e.record.dead_at < cutoff && remove_entry(queue, e)) ++removed;
  }
  return removed;
}

}  // namespace ferry::celery::redis
