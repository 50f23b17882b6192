#include "ferry/celery/broker.hpp"

#include <stdexcept>

#include "ferry/celery/iso8601.hpp"

namespace ferry::celery {

json dead_letter_entry(std::string_view err, std::string_view queue, std::string_view raw) {
  json j = json::object();
  j["error"] = std::string(err);
  j["queue"] = std::string(queue);
  j["time"] = format_isoformat(std::chrono::system_clock::now());
  // Kept as text: the envelope may not even be JSON.
  j["envelope"] = std::string(raw);
  return j;
}

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

void broker::ack_many(std::span<const std::string> delivery_tags) {
  for (const auto& t : delivery_tags) ack(t);
}

}  // namespace ferry::celery
