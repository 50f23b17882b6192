// ferry-policyd's cache in front of its SQL directory, on real redis-server and SQLite:
// `policy:{address}` keys with 300 s for accepting answers and 60 s for rejecting ones, admin
// writes that delete the keys they make stale, and answers from the database when Redis dies.
#include <catch2/catch.hpp>

#include <ferry/redis/client.hpp>
#include <string>

#include "backend.hpp"
#include "ferry_test/servers.hpp"

using namespace ferry::apps::policy;

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
