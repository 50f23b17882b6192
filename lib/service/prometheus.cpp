#include "ferry/service/prometheus.hpp"

#include <exception>
#include <stdexcept>

#include "ferry/service/http_route.hpp"

namespace ferry::service {

void metrics_registry::add(collector c) {
  if (!c) throw std::invalid_argument("metrics_registry::add: empty collector");
  std::lock_guard lock{mutex_};
  collectors_.push_back(std::move(c));
}

std::string metrics_registry::scrape() const {
  metrics_writer out;
  std::lock_guard lock{mutex_};
  for (const auto& c : collectors_) c(out);
  return out.text();
}

http_handler metrics_registry::handler() const {
  return [this](const http_request&) {
    try {
      return http_response{.status = 200,
                           .content_type = std::string(metrics_writer::content_type),
                           .body = scrape(),
                           .headers = {}};
    } catch (const std::exception&) {
      return json_error(500, "metrics could not be collected");
    }
  };
}

}  // namespace ferry::service
