#include "ferry/celery/broker.hpp"

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

}  // namespace ferry::celery
