// ferry-policyd's configuration: environment, flags overriding it, subcommands, exit codes.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include <ferry/core/error.hpp>

#include "backend.hpp"
#include "config.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

namespace {

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

cli_outcome parse(std::vector<std::string> args, std::map<std::string, std::string> vars = {}) {
  args.insert(args.begin(), "ferry-policyd");
  std::ostringstream out, err;
  return parse_command_line(args, env_of(std::move(vars)), out, err);
}

}  // namespace

TEST_CASE("policy config defaults", "[policy][config]") {
  const auto r = parse({});
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.listen == "127.0.0.1:10040");
  CHECK(r.config.admin_listen == "127.0.0.1:10041");
  CHECK(r.config.server.decision_timeout == std::chrono::milliseconds(1000));
  CHECK(r.config.cache_ok_ttl == std::chrono::seconds(300));
  CHECK(r.config.cache_reject_ttl == std::chrono::seconds(60));
  CHECK(r.cmd.kind == command_kind::serve);
}

TEST_CASE("policy config reads the environment and flags override it", "[policy][config]") {
  const std::map<std::string, std::string> env{{"POLICY_LISTEN", "unix:/run/p.sock"},
                                               {"REDIS_URL", "redis://r:6379/1"},
                                               {"REDIS_CACHE_TTL", "120"},
                                               {"DB_HOST", "db"},
                                               {"DB_PORT", "3306"},
                                               {"DB_USER", "mail"},
                                               {"DB_PASSWORD", "p@ss:w/rd"},
                                               {"DB_NAME", "logging_email"}};
  auto r = parse({}, env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.listen == "unix:/run/p.sock");
  CHECK(r.config.redis_url == "redis://r:6379/1");
  CHECK(r.config.cache_ok_ttl == std::chrono::seconds(120));
  CHECK(r.config.db_url == "postgresql://mail:p%40ss%3Aw%2Frd@db:3306/logging_email");

  r = parse({"--listen", "127.0.0.1:9999", "--cache-ttl", "30", "--decision-timeout-ms", "250",
             "--log-level", "debug", "--admin-listen", "off"},
            env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.listen == "127.0.0.1:9999");
  CHECK(r.config.cache_ok_ttl == std::chrono::seconds(30));
  CHECK(r.config.server.decision_timeout == std::chrono::milliseconds(250));
  CHECK(r.config.level == log_level::debug);
  CHECK(r.config.admin_listen.empty());
}

TEST_CASE("policy config: help is 0, usage errors are 2", "[policy][config]") {
  CHECK(parse({"--help"}).exit_code == 0);
  CHECK(parse({"--no-such-flag"}).exit_code == 2);
  CHECK(parse({"--decision-timeout-ms", "zero"}).exit_code == 2);
  CHECK(parse({}, {{"REDIS_CACHE_TTL", "soon"}}).exit_code == 2);
  CHECK(parse({"address"}).exit_code == 2);
  CHECK(parse({"--init-db", "address", "add", "a@b"}).exit_code == 2);
}

TEST_CASE("policy config subcommands", "[policy][config]") {
  auto r = parse({"address", "add", "New@Test.example", "--inactive"});
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.cmd.kind == command_kind::address_add);
  CHECK(r.cmd.address == "New@Test.example");
  CHECK_FALSE(r.cmd.active);
  r = parse({"address", "set-active", "a@b", "true"});
  CHECK(r.cmd.kind == command_kind::address_set_active);
  CHECK(r.cmd.active);
  r = parse({"address", "remove", "a@b"});
  CHECK(r.cmd.kind == command_kind::address_remove);
  r = parse({"customer", "set-tier", "acme", "gold"});
  CHECK(r.cmd.kind == command_kind::customer_set_tier);
  CHECK(r.cmd.tier == "gold");
  CHECK(parse({"--init-db"}).cmd.kind == command_kind::init_db);
}

TEST_CASE("policy config reads the database as every app does", "[policy][config]") {
  // DATABASE_URL first (memory: is this app's own test directory), then DB_URL, then DB_*.
  std::map<std::string, std::string> env{{"DATABASE_URL", "memory:a@test.example"},
                                         {"DB_URL", "sqlite:///srv/b.db"},
                                         {"DB_HOST", "db"},
                                         {"DB_NAME", "mail"}};
  CHECK(parse({}, env).config.db_url == "memory:a@test.example");
  env.erase("DATABASE_URL");
  CHECK(parse({}, env).config.db_url == "sqlite:///srv/b.db");
  env.erase("DB_URL");
  CHECK(parse({}, env).config.db_url == "postgresql://db/mail");
  // The flag, under its shared name or its old one, wins.
  CHECK(parse({"--database-url", "sqlite:///x.db"}, env).config.db_url == "sqlite:///x.db");
  CHECK(parse({"--db-url", "sqlite:///y.db"}, env).config.db_url == "sqlite:///y.db");
  // DB_* that make no URL are a usage error.
  CHECK(parse({}, {{"DB_NAME", "mail"}}).exit_code == 2);
}

TEST_CASE("backends: memory directory, and honest errors for the rest", "[policy][config]") {
  app_config cfg;
  cfg.db_url = "memory:Known@Test.example,other@test.example";
  const auto b = open_backend(cfg);
  CHECK(b.directory->lookup("known@test.example"));
  CHECK_FALSE(b.directory->lookup("nobody@test.example"));
  cfg.db_url.clear();
  CHECK_THROWS_AS(open_backend(cfg), ferry::error);
  cfg.db_url = "mysql://db/x";  // not a backend ferry::sql serves: a config error naming it
  try {
    (void)open_backend(cfg);
    FAIL("expected ferry::error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::config);
  }
}

TEST_CASE("policy config: near cache size and rate limits from env, flags win",
          "[policy][config][ratelimit]") {
  auto r = parse({});
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.near_cache_entries == 10000);
  CHECK_FALSE(r.config.limits.any());

  const std::map<std::string, std::string> env{{"POLICY_NEAR_CACHE_ENTRIES", "0"},
                                               {"POLICY_SENDER_LIMITS", "5/300s,100/1d"},
                                               {"POLICY_CLIENT_LIMITS", "50/1m"}};
  r = parse({}, env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.near_cache_entries == 0);
  REQUIRE(r.config.limits.sender.size() == 2);
  CHECK(r.config.limits.sender[1].count == 100);
  CHECK(r.config.limits.sender[1].window == 24h);
  REQUIRE(r.config.limits.client.size() == 1);
  CHECK(r.config.limits.client[0].window == 60s);

  r = parse({"--near-cache-entries", "500", "--sender-limits", "3/60s", "--client-limits", ""},
            env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.near_cache_entries == 500);
  CHECK(format_limit_list(r.config.limits.sender) == "3/1m");
  CHECK(r.config.limits.client.empty());

  CHECK(parse({"--sender-limits", "lots"}).exit_code == 2);
  CHECK(parse({}, {{"POLICY_CLIENT_LIMITS", "5/1w"}}).exit_code == 2);
  // The admin commands exit at once and never start a near cache.
  CHECK(parse({"address", "add", "a@b.example"}).config.near_cache_entries == 0);
}

TEST_CASE("policy config: request deadline, idle timeout and max connections from env, flags win",
          "[policy][config]") {
  auto r = parse({});
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.request_timeout == 10s);
  CHECK(r.config.server.idle_timeout == 330s);
  CHECK(r.config.server.max_connections == 4096);

  const std::map<std::string, std::string> env{{"POLICY_REQUEST_TIMEOUT", "5"},
                                               {"POLICY_IDLE_TIMEOUT", "60"},
                                               {"POLICY_MAX_CONNECTIONS", "200"}};
  r = parse({}, env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.request_timeout == 5s);
  CHECK(r.config.server.idle_timeout == 60s);
  CHECK(r.config.server.max_connections == 200);

  r = parse({"--request-timeout", "3", "--idle-timeout", "30", "--max-connections", "20"}, env);
  REQUIRE_FALSE(r.exit_code);
  CHECK(r.config.server.request_timeout == 3s);
  CHECK(r.config.server.idle_timeout == 30s);
  CHECK(r.config.server.max_connections == 20);

  // Zero would switch the protection off: a usage error, from a flag or a variable.
  CHECK(parse({"--request-timeout", "0"}).exit_code == 2);
  CHECK(parse({}, {{"POLICY_REQUEST_TIMEOUT", "0"}}).exit_code == 2);
  CHECK(parse({}, {{"POLICY_MAX_CONNECTIONS", "0"}}).exit_code == 2);
}
