#include "ferry/service/readiness.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

namespace ferry::service {
namespace {

http_response json_answer(int status, const nlohmann::json& body) {
  return {.status = status,
          .content_type = "application/json",
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
          .headers = {}};
}

}  // namespace

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
  return json_answer(ready ? 200 : 503,
                     {{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(results)}});
}

http_response liveness() {
  return json_answer(200, {{"status", "ok"}});
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
