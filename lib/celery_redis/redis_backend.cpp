// Celery 5.2.6 backends/redis.py (set/get/on_state_change) and backends/base.py
// (_store_result's "do not overwrite SUCCESS" check).
#include "ferry/celery/redis_backend.hpp"

#include <stdexcept>

#include "ferry/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/pipeline.hpp"

namespace ferry::celery {

redis_backend::redis_backend(std::shared_ptr<redis::client> client, redis_backend_options options)
    : client_(std::move(client)), options_(options) {
  if (!client_) throw std::invalid_argument("redis_backend: null client");
}

bool redis_backend::store(const task_result& result) {
  if (result.task_id.empty()) throw std::invalid_argument("redis_backend::store: empty task id");
  auto key = result_key(result.task_id);
  if (auto existing = get(result.task_id); existing && existing->status == states::success)
    return false;
  std::string text = result.to_json();
  redis::pipeline p;
  p.add({"MULTI"});
  if (options_.result_expires && options_.result_expires->count() > 0)
    p.add({"SETEX", key, std::to_string(options_.result_expires->count()), text});
  else
    p.add({"SET", key, text});
  p.add({"PUBLISH", key, text});
  p.add({"EXEC"});
  client_->exec(p).back().throw_if_error();
  return true;
}

std::optional<task_result> redis_backend::get(std::string_view task_id) {
  auto r = client_->command({"GET", result_key(task_id)});
  r.throw_if_error();
  if (r.is_nil()) return std::nullopt;
  return task_result::from_json(r.as_string());
}

task_result redis_backend::wait(std::string_view task_id, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  const auto key = result_key(task_id);
  // A dedicated connection: a subscribed connection cannot go back to the pool.
  redis::connection sub{client_->config()};
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

void redis_backend::forget(std::string_view task_id) {
  client_->command({"DEL", result_key(task_id)}).throw_if_error();
}

}  // namespace ferry::celery
