#include "ferry/service/readiness.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace ferry::service {
http_response check_readiness(const std::vector<readiness_check>& checks) {
  bool ready = true;
  nlohmann::json results = nlohmann::json::object();
  for (const auto& c : checks) {
    if (!c.test) {
      results[c.name] = {{"status", "not_configured"}};
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
      c.test();
    } catch (const std::exception& e) {
      ready = false;
      results[c.name] = {{"status", "down"}, {"error", e.what()}};
      continue;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    results[c.name] = {{"status", "ok"}, {"latency_ms", static_cast<double>(us.count()) / 1000.0}};
  }
  return detail::json_response(
      ready ? 200 : 503,
      nlohmann::json{{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(results)}});
}

http_response liveness() {
  return detail::json_response(200, nlohmann::json{{"status", "ok"}});
}

void readiness::add(std::string name, std::function<void()> test) {
  checks_.push_back({std::move(name), std::move(test)});
}

void readiness::add(readiness_check check) {
  checks_.push_back(std::move(check));
}

http_handler readiness::handler() const {
  return [checks = checks_](const http_request&) { return check_readiness(checks); };
}

}  // namespace ferry::service
