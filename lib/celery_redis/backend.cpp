// Celery 5.2.6 backends/redis.py (set/get/on_state_change) and backends/base.py
// (_store_result's "do not overwrite SUCCESS" check).
#include "ferry/celery/redis/backend.hpp"

#include <stdexcept>

#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::celery::redis {

using namespace ferry::celery::protocol;

backend::backend(std::shared_ptr<ferry::redis::client> client, backend_options options)
    : client_(std::move(client)), options_(options) {
  if (!client_) throw std::invalid_argument("celery::redis::backend: null client");
}

namespace {

// backends/base.py _store_result + backends/redis.py set(): a stored SUCCESS is never
// overwritten; otherwise SETEX (ARGV[2] seconds; "0" = SET) and PUBLISH on the key's channel.
const ferry::redis::script& store_script() {
  static const ferry::redis::script s{R"lua(
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, meta = pcall(cjson.decode, cur)
  if ok and type(meta) == 'table' and meta.status == 'SUCCESS' then return 0 end
end
if ARGV[2] ~= '0' then
  redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
)lua"};
  return s;
}

}  // namespace

bool backend::store(const task_result& result) {
  return store_many(std::span<const task_result>(&result, 1)).front();
}

std::vector<bool> backend::store_many(std::span<const task_result> results) {
  std::vector<bool> written;
  if (results.empty()) return written;
  const std::string expires = options_.result_expires && options_.result_expires->count() > 0
                                  ? std::to_string(options_.result_expires->count())
                                  : "0";
  ferry::redis::pipeline p;
  for (const auto& r : results) {
    if (r.task_id.empty()) throw std::invalid_argument("backend::store: empty task id");
    const std::string key = result_key(r.task_id), text = r.to_json();
    p.add(store_script(), {key}, {text, expires});
  }
  written.reserve(results.size());
  for (const auto& r : client_->exec(p)) {
    r.throw_if_error();
    written.push_back(r.as_integer() == 1);
  }
  return written;
}

std::optional<task_result> backend::get(std::string_view task_id) {
  auto r = client_->command({"GET", result_key(task_id)});
  r.throw_if_error();
  if (r.is_nil()) return std::nullopt;
  return task_result::from_json(r.as_string());
}

task_result backend::wait(std::string_view task_id, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  const auto key = result_key(task_id);
  // A dedicated connection: a subscribed connection cannot go back to the pool.
  ferry::redis::connection sub{client_->config()};
  sub.subscribe({key});
  if (auto now = get(task_id); now && is_ready_state(now->status)) return *now;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) break;
    auto m = sub.read_message(left);
    if (!m) break;
    if (!m->payload.is_string()) continue;
    auto r = task_result::from_json(m->payload.as_string());
    if (is_ready_state(r.status)) return r;
  }
  throw error(errc::timeout, "celery result " + std::string(task_id) + " not ready");
}

void backend::forget(std::string_view task_id) {
  client_->command({"DEL", result_key(task_id)}).throw_if_error();
}

}  // namespace ferry::celery::redis
