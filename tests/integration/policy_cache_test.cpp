// ferry-policyd's cache in front of its SQL directory, on real redis-server and SQLite:
// `policy:{address}` keys with 300 s for accepting answers and 60 s for rejecting ones, admin
// writes that delete the keys they make stale, and answers from the database when Redis dies.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ferry/redis/client.hpp>
#include <string>
#include <tuple>
#include <utility>

#include "backend.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "policy_test_client.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

namespace {

struct rig {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir{"ferry-policy-cache"};
  directory_backend backend;
  ferry::redis::client probe{redis.url()};

  rig() {
    app_config cfg;
    cfg.db_url = dir.path() + "/mail.db";
    cfg.redis_url = redis.url() + "?timeout=200ms&connect_timeout=200ms";
    backend = open_backend(cfg);
    backend.admin->init_schema();
    backend.admin->add_address("known@test.example", true, "acme");
  }

  long long ttl_of(const std::string& address) {
    return probe.command({"TTL", "policy:" + address}).as_integer();
  }
};

}  // namespace

TEST_CASE("policy cache: accepting answers live 300 s, rejecting ones 60 s", "[policy][cache]") {
  rig r;
  REQUIRE(r.backend.directory->lookup("known@test.example"));
  CHECK_FALSE(r.backend.directory->lookup("nobody@test.example"));
  const auto ok_ttl = r.ttl_of("known@test.example");
  const auto reject_ttl = r.ttl_of("nobody@test.example");
  CHECK(ok_ttl > 60);
  CHECK(ok_ttl <= 300);
  CHECK(reject_ttl > 0);
  CHECK(reject_ttl <= 60);
}

TEST_CASE("policy cache: admin writes invalidate at once, not after the TTL", "[policy][cache]") {
  rig r;
  CHECK_FALSE(r.backend.directory->lookup("new@test.example"));  // cached "unknown" for 60 s
  r.backend.admin->add_address("new@test.example", true, "acme");
  CHECK(r.backend.directory->lookup("new@test.example"));  // seen at the next lookup

  REQUIRE(r.backend.directory->lookup("known@test.example")->active);
  CHECK(r.backend.admin->set_active("known@test.example", false));
  CHECK_FALSE(r.backend.directory->lookup("known@test.example")->active);

  REQUIRE(r.backend.directory->lookup("new@test.example"));
  CHECK(r.ttl_of("new@test.example") > 0);
  REQUIRE(r.backend.admin->set_customer_tier("acme", "gold"));  // a customer's tier change
  CHECK(r.ttl_of("new@test.example") == -2);                    // key gone

  CHECK(r.backend.admin->remove_address("new@test.example"));
  CHECK_FALSE(r.backend.directory->lookup("new@test.example"));
}

TEST_CASE("policy cache: with Redis dead, answers come from the database", "[policy][cache]") {
  rig r;
  REQUIRE(r.backend.directory->lookup("known@test.example"));
  r.redis.kill();
  CHECK(r.backend.directory->lookup("known@test.example"));
  CHECK_FALSE(r.backend.directory->lookup("nobody@test.example"));
  r.redis.start();
  CHECK(r.backend.directory->lookup("known@test.example"));
}

namespace {

// GET on the admin endpoint: the status code, and the body.
std::pair<int, std::string> admin_get(int port, const std::string& path) {
  auto out = ferry::test::run_command({"curl", "-s", "-m", "10", "-w", "\n%{http_code}",
                                       "http://127.0.0.1:" + std::to_string(port) + path},
                                      {}, false);
  const auto last = out.rfind('\n');
  if (last == std::string::npos) return {0, ""};
  return {std::atoi(out.c_str() + last + 1), out.substr(0, last)};
}

}  // namespace

TEST_CASE("ferry-policyd with a wrong Redis password logs it and reports it to the readiness probe",
          "[policy][cache][binary]") {
  const std::string password = "Right-Pass-4711";
  const std::string wrong = "Wrong-Pass-0815";
  ferry::test::redis_server redis({.args = {"--requirepass", password}});
  ferry::test::temp_dir dir("ferry-policy-auth");
  const int port = ferry::test::free_port();
  const int admin_port = ferry::test::free_port();
  ferry::test::spawn_options spawn;
  spawn.log_file = dir.path() + "/policyd.log";
  spawn.env = {{"REDIS_URL", "redis://:" + wrong + "@127.0.0.1:" + std::to_string(redis.port())},
               {"DATABASE_URL", "memory:known@test.example"}};
  ferry::test::child_process policyd(
      {FERRY_POLICYD_PATH, "--listen", "127.0.0.1:" + std::to_string(port), "--admin-listen",
       "127.0.0.1:" + std::to_string(admin_port)},
      spawn);
  REQUIRE(ferry::test::wait_until([&] { return ferry::test::port_open(admin_port); }, 10s));

  // Mail still flows (the directory answers), but the failure is no longer silent.
  ferry::test::policy_client c(port);
  CHECK(c.ask("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@b.example\n"
              "recipient=known@test.example\n\n") == "action=DUNNO\n\n");
  const auto log_text = [&] { return ferry::test::run_command({"cat", spawn.log_file}); };
  CHECK(ferry::test::wait_until([&] { return log_text().find("WRONGPASS") != std::string::npos; },
                                5s));
  const auto log = log_text();
  CHECK(log.find("Redis cache: Redis 127.0.0.1:" + std::to_string(redis.port()) +
                 ": login failed: WRONGPASS") != std::string::npos);
  CHECK(log.find(wrong) == std::string::npos);

  // Readiness fails and says why; liveness stays up (a restart would not fix a password).
  auto [status, body] = admin_get(admin_port, "/ready");
  CHECK(status == 503);
  CHECK(body.find("Redis cache: Redis 127.0.0.1:" + std::to_string(redis.port()) +
                  ": login failed: WRONGPASS") != std::string::npos);
  CHECK(body.find(wrong) == std::string::npos);
  CHECK(admin_get(admin_port, "/health").first == 200);
  policyd.terminate();
}
