#include "ferry/celery/memory_broker.hpp"

#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "celery/named.hpp"
#include "ferry/celery/protocol/json.hpp"

namespace ferry::celery {

namespace {

struct stored_message {
  task_message message;
  std::string queue;
  int priority = 0;
  bool redelivered = false;
};

// One queue: a list per priority 0..9, served 0 first (kombu's Redis transport order).
struct memory_queue {
  std::array<std::deque<stored_message>, 10> by_priority;
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& q : by_priority) n += q.size();
    return n;
  }
};

}  // namespace

struct memory_broker::impl {
  mutable std::mutex mu;
  std::condition_variable published;
  std::map<std::string, memory_queue, std::less<>> queues;
  std::map<std::string, stored_message, std::less<>> unacked;
  std::map<std::string, std::vector<memory_dead_letter>, std::less<>> dead;
  std::uint64_t next_tag = 1;

  std::optional<broker_delivery> take(const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto it = queues.find(name);
      if (it == queues.end()) continue;
      for (auto& list : it->second.by_priority) {
        if (list.empty()) continue;
        stored_message m = std::move(list.front());
        list.pop_front();
        broker_delivery d;
        d.queue = name;
        d.routing_key = name;
        d.delivery_tag = std::to_string(next_tag++);
        d.message = m.message;
        d.raw = m.message.body;
        d.redelivered = m.redelivered;
        unacked.emplace(d.delivery_tag, std::move(m));
        return d;
      }
    }
    return std::nullopt;
  }
};

memory_broker::memory_broker() : p_(std::make_unique<impl>()) {}
memory_broker::~memory_broker() = default;

std::shared_ptr<memory_broker> memory_broker::named(std::string_view url) {
  return detail::named_instance<memory_broker>(url);
}

void memory_broker::publish(const task_message& message, std::string_view queue, int priority) {
  {
    std::lock_guard lk(p_->mu);
    auto& q = p_->queues[std::string(queue)];
    q.by_priority[static_cast<std::size_t>(std::clamp(priority, 0, 9))].push_back(
        {message, std::string(queue), priority, false});
  }
  p_->published.notify_all();
}

std::optional<broker_delivery> memory_broker::fetch(const std::vector<std::string>& queues,
                                                    std::chrono::milliseconds wait) {
  std::unique_lock lk(p_->mu);
  std::optional<broker_delivery> d;
  p_->published.wait_for(lk, wait, [&] { return (d = p_->take(queues)).has_value(); });
  return d;
}

void memory_broker::ack(std::string_view delivery_tag) {
  std::lock_guard lk(p_->mu);
  if (auto it = p_->unacked.find(delivery_tag); it != p_->unacked.end()) p_->unacked.erase(it);
}

void memory_broker::requeue(std::string_view delivery_tag) {
  {
    std::lock_guard lk(p_->mu);
    auto it = p_->unacked.find(delivery_tag);
    if (it == p_->unacked.end()) return;
    stored_message m = std::move(it->second);
    p_->unacked.erase(it);
    m.redelivered = true;
    auto& q = p_->queues[m.queue];
    q.by_priority[static_cast<std::size_t>(std::clamp(m.priority, 0, 9))].push_front(std::move(m));
  }
  p_->published.notify_all();
}

void memory_broker::dead_letter(const broker_delivery& d, std::string_view error,
                                std::string_view suffix) {
  std::lock_guard lk(p_->mu);
  p_->dead[d.queue + std::string(suffix)].push_back({d, std::string(error)});
}

std::size_t memory_broker::size(std::string_view queue) const {
  std::lock_guard lk(p_->mu);
  auto it = p_->queues.find(queue);
  return it == p_->queues.end() ? 0 : it->second.size();
}

std::size_t memory_broker::unacked() const {
  std::lock_guard lk(p_->mu);
  return p_->unacked.size();
}

std::vector<task_message> memory_broker::peek(std::string_view queue) const {
  std::lock_guard lk(p_->mu);
  std::vector<task_message> out;
  if (auto it = p_->queues.find(queue); it != p_->queues.end())
    for (const auto& list : it->second.by_priority)
      for (const auto& m : list) out.push_back(m.message);
  return out;
}

std::vector<memory_dead_letter> memory_broker::dead_letters(std::string_view queue) const {
  std::lock_guard lk(p_->mu);
  auto it = p_->dead.find(queue);
  return it == p_->dead.end() ? std::vector<memory_dead_letter>{} : it->second;
}

}  // namespace ferry::celery
