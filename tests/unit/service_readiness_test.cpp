#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "ferry/service/readiness.hpp"

using namespace ferry::service;

TEST_CASE("the readiness registry answers every check added, in one response", "[readiness]") {
  readiness ready;
  bool broker_up = true;
  ready.add("redis", [] {});
  ready.add("rabbitmq", [&broker_up] {
    if (!broker_up) throw std::runtime_error("ACCESS_REFUSED");
  });
  ready.add({"database", {}});
  const auto handler = ready.handler();
  auto r = handler(http_request{});
  CHECK(r.status == 200);
  CHECK(r.body.find("\"status\":\"ready\"") != std::string::npos);
  CHECK(r.body.find("\"database\":{\"status\":\"not_configured\"}") != std::string::npos);
  broker_up = false;
  r = ready.check();
  CHECK(r.status == 503);
  CHECK(r.body.find("\"rabbitmq\":{\"error\":\"ACCESS_REFUSED\",\"status\":\"down\"}") !=
        std::string::npos);
  CHECK(r.body.find("\"redis\":{\"latency_ms\":") != std::string::npos);
}
