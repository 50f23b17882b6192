// ferry-policyd behind a real, private Postfix: what an SMTP client sees at RCPT TO.
//
// Two rigs: the in-memory directory (made slow on demand), and the real data path from
// open_backend(): the SQL directory on a SQLite file behind the Redis cache.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "backend.hpp"
#include "decision.hpp"
#include "ferry_test/postfix.hpp"
#include "ferry_test/servers.hpp"
#include "log.hpp"
#include "metrics.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

namespace {

// The policy server both rigs run: loopback, any port, a 1 s decision deadline; started.
std::unique_ptr<policy_server> start_server(const policy_engine& engine, metrics& stats,
                                            logger& log) {
  policy_server_options options;
  options.listen = "127.0.0.1:0";
  options.decision_timeout = 1000ms;
  auto server = std::unique_ptr<policy_server>(
      new policy_server(recipient_server(engine, options, &stats.server(), log.observer())));
  server->start();
  return server;
}

// A private Postfix that asks `server` at RCPT TO.
std::unique_ptr<ferry::test::postfix_server> start_postfix(const policy_server& server) {
  ferry::test::postfix_options pf;
  pf.policy_service = "inet:127.0.0.1:" + std::to_string(server.port());
  return std::make_unique<ferry::test::postfix_server>(pf);
}

// RCPT TO `to` (from sender@b.example) through `postfix`; the transcript goes to the test log.
ferry::test::smtp_reply rcpt_through(const ferry::test::postfix_server& postfix,
                                     const std::string& to) {
  std::string transcript;
  auto reply = ferry::test::smtp_rcpt(postfix.smtp_port(), "sender@b.example", to, &transcript);
  UNSCOPED_INFO("swaks transcript:\n" << transcript);
  return reply;
}

// The in-memory directory, made to look like the database (worker pool, deadline) and able to
// turn slow on demand.
class test_directory final : public recipient_directory {
 public:
  std::optional<recipient_status> lookup(std::string_view address) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    return addresses.lookup(address);
  }
  bool may_block() const noexcept override { return true; }

  memory_directory addresses;
  std::atomic<int> delay_ms{0};
};

struct rig {
  explicit rig(rate_limits* limits = nullptr)
      : engine(directory, {}, limits ? limits->as_rate_check() : ferry::postfix::rate_check{}) {
    directory.addresses.add_address("known@test.example");
    directory.addresses.add_address("disabled@test.example", false);
    server = start_server(engine, stats, log);
    postfix = start_postfix(*server);
  }

  ferry::test::smtp_reply rcpt(const std::string& to) { return rcpt_through(*postfix, to); }

  test_directory directory;
  metrics stats;
  logger log{log_level::error};
  policy_engine engine;
  std::unique_ptr<policy_server> server;
  std::unique_ptr<ferry::test::postfix_server> postfix;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The real data path: open_backend() with db_url = a SQLite file and redis_url set, so the
// engine reads a cached_directory over a sql_directory, as ferry-policyd does in production.
struct sql_rig {
  // `seed`: create the schema and the test addresses (false for a database that cannot open).
  sql_rig(ferry::test::redis_server& redis, const std::string& db_url, bool seed = true) {
    app_config cfg;
    cfg.db_url = db_url;
    // Short Redis timeouts, well inside the decision deadline, so a dead Redis costs little.
    cfg.redis_url = redis.url() + "?timeout=200ms&connect_timeout=200ms";
    backend = open_backend(cfg);
    if (const auto cached = backend.cache) stats.watch_cache([cached] { return cached->stats(); });
    if (seed) {
      backend.admin->init_schema();
      backend.admin->add_address("known@test.example", true, "acme");
      backend.admin->add_address("disabled@test.example", false, "acme");
    }
    engine = std::make_unique<policy_engine>(*backend.directory);
    server = start_server(*engine, stats, log);
    postfix = start_postfix(*server);
  }

  ferry::test::smtp_reply rcpt(const std::string& to) { return rcpt_through(*postfix, to); }

  directory_backend backend;
  metrics stats;
  logger log{log_level::error};
  std::unique_ptr<policy_engine> engine;
  std::unique_ptr<policy_server> server;
  std::unique_ptr<ferry::test::postfix_server> postfix;
};

// The cache entry's TTL in seconds: -2 when the key does not exist, -1 when it has no TTL.
long long cache_ttl(const ferry::test::redis_server& redis, const std::string& address) {
  return std::stoll(redis.cli({"TTL", "policy:" + address}));
}

}  // namespace

TEST_CASE("Postfix accepts known recipients and rejects unknown ones with 5.1.1",
          "[policy][postfix]") {
  rig r;
  const auto known = r.rcpt("known@test.example");
  CHECK(known.code == 250);

  const auto unknown = r.rcpt("nobody@test.example");
  CHECK(unknown.code / 100 == 5);
  CHECK(contains(unknown.text,
                 "5.1.1 <nobody@test.example>: Recipient address rejected: User unknown"));

  const auto disabled = r.rcpt("Disabled@Test.example");
  CHECK(disabled.code / 100 == 5);
  CHECK(contains(disabled.text, "5.1.1"));

  // Case and brackets are normalised by Postfix and the service alike.
  CHECK(r.rcpt("KNOWN@test.example").code == 250);

  CHECK(r.postfix->wait_for_log("NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.1.1", 5s));
  CHECK(r.stats.decisions(verdict::accept) >= 2);
  CHECK(r.stats.decisions(verdict::reject_unknown) >= 1);
  CHECK(r.stats.decisions(verdict::reject_inactive) >= 1);
}

TEST_CASE("Postfix accepts a newly added address at once", "[policy][postfix]") {
  rig r;
  CHECK(r.rcpt("new@test.example").code / 100 == 5);
  r.directory.addresses.add_address("new@test.example");
  CHECK(r.rcpt("new@test.example").code == 250);
  r.directory.addresses.set_active("new@test.example", false);
  CHECK(r.rcpt("new@test.example").code / 100 == 5);
}

TEST_CASE("Postfix defers the 4th RCPT of a sender over 3/60s with 4.7.1", "[policy][postfix]") {
  ferry::test::redis_server redis;
  logger quiet{log_level::off};
  rate_limit_config limits;
  limits.sender = parse_limit_list("3/60s");
  const auto gate = open_rate_limits(limits, redis.url(), quiet);
  rig r(gate.get());
  r.stats.watch_rate_limits([&gate] { return gate->stats(); });
  // An unknown recipient is rejected first and uses none of the sender's quota.
  CHECK(r.rcpt("nobody@test.example").code / 100 == 5);
  for (int i = 0; i < 3; ++i) CHECK(r.rcpt("known@test.example").code == 250);
  const auto fourth = r.rcpt("known@test.example");
  CHECK(fourth.code == 450);
  CHECK(contains(fourth.text,
                 "4.7.1 <known@test.example>: Recipient address rejected: Rate "
                 "limit exceeded, try again in "));
  CHECK(r.postfix->wait_for_log("Rate limit exceeded", 5s));
  CHECK(r.stats.decisions(verdict::rate_limited) == 1);
}

TEST_CASE("Postfix defers (4xx) when the directory is too slow", "[policy][postfix]") {
  rig r;
  r.directory.delay_ms = 3000;
  const auto start = std::chrono::steady_clock::now();
  const auto reply = r.rcpt("known@test.example");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(reply.code == 450);
  CHECK(contains(reply.text, "Service temporarily unavailable"));
  CHECK(took < 3s);  // swaks' own start-up included
  r.directory.delay_ms = 0;
  CHECK(r.rcpt("known@test.example").code == 250);
}

TEST_CASE("Postfix defers (4xx) when the policy service is down", "[policy][postfix]") {
  rig r;
  CHECK(r.rcpt("known@test.example").code == 250);
  r.server->stop();
  r.server.reset();
  const auto reply = r.rcpt("known@test.example");
  CHECK(reply.code / 100 == 4);
  CHECK(r.postfix->wait_for_log("problem talking to server", 5s));
}

TEST_CASE("the Postfix rig delivers accepted mail through the pipe hook", "[postfix][rig]") {
  ferry::test::temp_dir out("ferry-ingest-out");
  ferry::test::run_command({"chmod", "0777", out.path()});
  const auto script = out.path() + "/ingest.sh";
  ferry::test::run_command({"sh", "-c",
                            "printf '#!/bin/sh\\ncat > \"$1/$2\" && touch \"$1/$2.done\"\\n' > " +
                                script + " && chmod 0755 " + script});
  ferry::test::postfix_options pf;
  pf.pipe_argv = {script, out.path(), "${recipient}"};
  ferry::test::postfix_server mta(pf);
  CHECK(mta.postconf({"-h", "mydestination"}) == "test.example\n");
  const auto reply = ferry::test::smtp_send(mta.smtp_port(), "a@b.example", "someone@test.example",
                                            "Subject: rig\n\nhello from the rig\n");
  CHECK(reply.code == 250);
  const auto file = out.path() + "/someone@test.example";
  REQUIRE(ferry::test::wait_until(
      [&] {
        return ferry::test::run_command({"ls", out.path()}, {}, false).find(".done") !=
               std::string::npos;
      },
      30s));
  const auto body = ferry::test::run_command({"cat", file});
  CHECK(contains(body, "hello from the rig"));
  CHECK(contains(body, "Return-Path: <a@b.example>"));
}

// --- the real data path: SQLite through the Redis cache (open_backend) ----------------------

TEST_CASE("Postfix on the SQL directory behind the Redis cache: 250 known, 5.1.1 unknown",
          "[policy][postfix][sql]") {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir("ferry-policy-pf");
  sql_rig r(redis, dir.path() + "/mail.db");

  CHECK(r.rcpt("known@test.example").code == 250);
  const auto unknown = r.rcpt("nobody@test.example");
  CHECK(unknown.code / 100 == 5);
  CHECK(contains(unknown.text,
                 "5.1.1 <nobody@test.example>: Recipient address rejected: User unknown"));
  const auto disabled = r.rcpt("disabled@test.example");
  CHECK(disabled.code / 100 == 5);
  CHECK(contains(disabled.text, "5.1.1"));

  // Both answers were cached under policy:{address}: accepting ones for up to 300 s,
  // rejecting ones for up to 60 s.
  const auto ok_ttl = cache_ttl(redis, "known@test.example");
  CHECK(ok_ttl > 60);
  CHECK(ok_ttl <= 300);
  const auto reject_ttl = cache_ttl(redis, "nobody@test.example");
  CHECK(reject_ttl > 0);
  CHECK(reject_ttl <= 60);

  // The second time round the answer comes from the cache, and is the same.
  CHECK(r.rcpt("known@test.example").code == 250);
  CHECK(r.rcpt("nobody@test.example").code / 100 == 5);
  CHECK(r.stats.decisions(verdict::accept) == 2);
  CHECK(r.stats.decisions(verdict::reject_unknown) == 2);
  CHECK(contains(r.stats.render(), "ferry_policy_cache_hits_total 2\n"));
}

TEST_CASE("Postfix accepts an address added through the cached backend at once, not after the TTL",
          "[policy][postfix][sql]") {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir("ferry-policy-pf");
  sql_rig r(redis, dir.path() + "/mail.db");

  CHECK(r.rcpt("new@test.example").code / 100 == 5);
  // Cached as a rejection, still live when the address is added.
  const auto ttl = cache_ttl(redis, "new@test.example");
  REQUIRE(ttl > 0);
  CHECK(ttl <= 60);

  r.backend.admin->add_address("new@test.example", true, "acme");
  CHECK(cache_ttl(redis, "new@test.example") == -2);  // the stale key was deleted
  CHECK(r.rcpt("new@test.example").code == 250);
  CHECK(cache_ttl(redis, "new@test.example") > 60);  // now cached as accepting

  // Disabling invalidates the same way.
  CHECK(r.backend.admin->set_active("new@test.example", false));
  CHECK(r.rcpt("new@test.example").code / 100 == 5);
}

TEST_CASE("Postfix defers (4xx) when the policy service's database is unreachable",
          "[policy][postfix][sql]") {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir("ferry-policy-pf");
  {
    sql_rig working(redis, dir.path() + "/mail.db");
    CHECK(working.rcpt("known@test.example").code == 250);  // cached as accepting
  }
  // A second instance on the same Redis whose database cannot be opened: its directory does
  // not exist, so SQLite fails to open the file (SQLITE_CANTOPEN) on every lookup.
  sql_rig down(redis, dir.path() + "/no-such-dir/mail.db", false);

  // What is cached is still answered, without the database.
  CHECK(down.rcpt("known@test.example").code == 250);

  // Evicted from the cache, the answer needs the database, which fails: defer, not reject.
  CHECK(redis.cli({"DEL", "policy:known@test.example"}) == "1\n");
  const auto reply = down.rcpt("known@test.example");
  CHECK(reply.code == 450);
  CHECK(contains(reply.text, "Service temporarily unavailable"));
  // Same for an address the cache never saw; a failed lookup is not cached as "unknown".
  CHECK(down.rcpt("nobody@test.example").code == 450);
  CHECK(cache_ttl(redis, "known@test.example") == -2);
  CHECK(cache_ttl(redis, "nobody@test.example") == -2);
  CHECK(down.stats.decisions(verdict::defer) == 2);
  CHECK(down.stats.decisions(verdict::reject_unknown) == 0);
}

TEST_CASE("Postfix answers from the database when Redis is dead", "[policy][postfix][sql]") {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir("ferry-policy-pf");
  sql_rig r(redis, dir.path() + "/mail.db");
  CHECK(r.rcpt("known@test.example").code == 250);

  redis.kill();
  CHECK(r.rcpt("known@test.example").code == 250);
  const auto unknown = r.rcpt("nobody@test.example");
  CHECK(unknown.code / 100 == 5);
  CHECK(contains(unknown.text, "5.1.1 <nobody@test.example>"));
  // Database changes are seen at once while nothing is cached.
  r.backend.admin->add_address("late@test.example", true, "acme");
  CHECK(r.rcpt("late@test.example").code == 250);
  CHECK(r.stats.decisions(verdict::defer) == 0);
  CHECK_FALSE(contains(r.stats.render(), "ferry_policy_cache_errors_total 0\n"));

  redis.start();
  CHECK(r.rcpt("known@test.example").code == 250);
}
