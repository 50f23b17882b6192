#include "ferry/celery/memory_backend.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "celery/named.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery {

struct memory_backend::impl {
  mutable std::mutex mu;
  std::condition_variable stored;
  std::map<std::string, task_result, std::less<>> current;
  std::map<std::string, std::vector<task_result>, std::less<>> history;
};

memory_backend::memory_backend() : p_(std::make_unique<impl>()) {}
memory_backend::~memory_backend() = default;

std::shared_ptr<memory_backend> memory_backend::named(std::string_view url) {
  return detail::named_instance<memory_backend>(url);
}

bool memory_backend::store(const task_result& result) {
  {
    std::lock_guard lk(p_->mu);
    auto it = p_->current.find(result.task_id);
    // As Celery's backends/base.py _store_result: a stored SUCCESS stays.
    if (it != p_->current.end() && it->second.status == states::success) return false;
    p_->current[result.task_id] = result;
    p_->history[result.task_id].push_back(result);
  }
  p_->stored.notify_all();
  return true;
}

std::optional<task_result> memory_backend::get(std::string_view task_id) {
  std::lock_guard lk(p_->mu);
  auto it = p_->current.find(task_id);
  if (it == p_->current.end()) return std::nullopt;
  return it->second;
}

task_result memory_backend::wait(std::string_view task_id, std::chrono::milliseconds timeout) {
  std::unique_lock lk(p_->mu);
  std::optional<task_result> ready;
  const bool got = p_->stored.wait_for(lk, timeout, [&] {
    auto it = p_->current.find(task_id);
    if (it == p_->current.end() || !protocol::is_ready_state(it->second.status)) return false;
    ready = it->second;
    return true;
  });
  if (!got) throw error(errc::timeout, "celery result " + std::string(task_id) + " not ready");
  return std::move(*ready);
}

void memory_backend::forget(std::string_view task_id) {
  std::lock_guard lk(p_->mu);
  if (auto it = p_->current.find(task_id); it != p_->current.end()) p_->current.erase(it);
}

std::vector<task_result> memory_backend::history(std::string_view task_id) const {
  std::lock_guard lk(p_->mu);
  auto it = p_->history.find(task_id);
  return it == p_->history.end() ? std::vector<task_result>{} : it->second;
}

}  // namespace ferry::celery
