#include "ferry/celery/broker.hpp"

#include <stdexcept>

#include "ferry/celery/result_backend.hpp"

namespace ferry::celery {

void broker::publish_many(std::span<const outgoing_message> messages) {
  for (const auto& m : messages) {
    if (!m.message) throw std::invalid_argument("broker::publish_many: null message");
    publish(*m.message, m.queue, m.priority);
  }
}

std::vector<broker_delivery> broker::fetch_many(const std::vector<std::string>& queues,
                                                std::size_t max, std::chrono::milliseconds wait,
                                                std::span<const std::string> ack_first) {
  (void)max;
  ack_many(ack_first);
  std::vector<broker_delivery> out;
  if (auto d = fetch(queues, wait)) out.push_back(std::move(*d));
  return out;
}

std::vector<bool> result_backend::store_many(std::span<const task_result> results) {
  std::vector<bool> written;
  written.reserve(results.size());
  for (const auto& r : results) written.push_back(store(r));
  return written;
}

void broker::ack_many(std::span<const std::string> delivery_tags) {
  for (const auto& t : delivery_tags) ack(t);
}

}  // namespace ferry::celery
