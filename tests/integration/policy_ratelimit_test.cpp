// ferry-policyd's rate limits on real redis-server, at the protocol level: per sender and per
// client address, counted per accepted recipient after the recipient check, answered
// DEFER_IF_PERMIT 4.7.1 with the seconds to wait, and fail-open when Redis is down.
// Also the near cache across processes: an admin write in one process reaches a serving
// ferry-policyd's in-process copy within ~100 ms.
#include <catch2/catch.hpp>

#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <string>

#include "backend.hpp"
#include "decision.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "policy_test_client.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

namespace {

std::string rcpt(const std::string& recipient, const std::string& sender,
                 const std::string& client_address = "192.0.2.10") {
  return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
         "client_address=" +
         client_address + "\nclient_name=mx.example\nhelo_name=mx.example\nsender=" + sender +
         "\nrecipient=" + recipient + "\nrecipient_count=0\nqueue_id=\ninstance=abc.1\n\n";
}

const std::string dunno = "action=DUNNO\n\n";
const std::string reject = "action=REJECT 5.1.1 User unknown\n\n";
const std::regex limited(
    "action=DEFER_IF_PERMIT 4\\.7\\.1 Rate limit exceeded, try again in ([0-9]+) seconds\n\n");

// The seconds in a rate-limited answer, or -1 when the answer is something else.
int wait_in(const std::string& answer) {
  std::smatch m;
  if (!std::regex_match(answer, m, limited)) return -1;
  return std::stoi(m[1].str());
}

// ferry-policyd's serving stack on the in-memory directory, with rate limits on Redis.
struct limited_service {
  // `sender_limits`, `client_limits`: as POLICY_SENDER_LIMITS / POLICY_CLIENT_LIMITS.
  limited_service(const std::string& redis_url, const std::string& sender_limits,
                  const std::string& client_limits = "") {
    rate_limit_config limits;
    limits.sender = parse_limit_list(sender_limits);
    limits.client = parse_limit_list(client_limits);
    directory.add_address("known@test.example");
    gate = open_rate_limits(limits, redis_url, log);
    REQUIRE(gate);
    stats.watch_rate_limits([this] { return gate->stats(); });
    engine = std::make_unique<policy_engine>(directory, policy_options{}, gate->as_rate_check());
    policy_server_options o;
    o.listen = "127.0.0.1:0";
    server = std::unique_ptr<policy_server>(
        new policy_server(recipient_server(*engine, o, &stats.server(), log.observer())));
    server->start();
  }

  memory_directory directory;
  metrics stats;
  logger log{log_level::off};
  std::unique_ptr<rate_limits> gate;
  std::unique_ptr<policy_engine> engine;
  std::unique_ptr<policy_server> server;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("rate limits: the 4th accepted RCPT of a sender over 3/60s is deferred 4.7.1",
          "[policy][ratelimit]") {
  ferry::test::redis_server redis;
  const auto sender = ferry::test::unique_name("rl") + "@sender.example";
  limited_service svc(redis.url(), "3/60s");
  ferry::test::policy_client c(svc.server->port());

  // Unknown recipients are rejected before any limit is looked at: they use no quota.
  for (int i = 0; i < 5; ++i) CHECK(c.ask(rcpt("nobody@test.example", sender)) == reject);
  for (int i = 0; i < 3; ++i) CHECK(c.ask(rcpt("known@test.example", sender)) == dunno);
  const auto answer = c.ask(rcpt("known@test.example", sender));
  const int wait = wait_in(answer);
  INFO(answer);
  CHECK(wait >= 55);
  CHECK(wait <= 60);
  // Still rejected, not deferred, for an unknown recipient; another sender is not affected.
  CHECK(c.ask(rcpt("nobody@test.example", sender)) == reject);
  CHECK(c.ask(rcpt("known@test.example", "other-" + sender)) == dunno);
  // The sender key is the normalised address: case and <> do not make a new quota.
  std::string shouted = sender;
  for (auto& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(wait_in(c.ask(rcpt("known@test.example", "<" + shouted + ">"))) > 0);

  CHECK(svc.stats.decisions(verdict::rate_limited) == 2);
  const auto text = svc.stats.render();
  CHECK(contains(text, "ferry_policy_rate_limited_total{limit=\"sender\"} 2\n"));
  CHECK(contains(text,
                 "ferry_policy_requests_total{action=\"defer_if_permit\",verdict=\"rate_limited\"} "
                 "2\n"));
  // Counted on the shared Redis, under the limiter's prefix, outside the cache's "policy:".
  CHECK(redis.cli({"KEYS", "ferry:policy:rl:*"}).find("sender:") != std::string::npos);
}

TEST_CASE("rate limits: per client address, whatever the sender; the null sender has no quota",
          "[policy][ratelimit]") {
  ferry::test::redis_server redis;
  const std::string ip = "198.51.100.10";
  limited_service svc(redis.url(), "1/1h", "2/10s");
  ferry::test::policy_client c(svc.server->port());

  // Bounces (null sender) skip the sender limit but count against their client.
  CHECK(c.ask(rcpt("known@test.example", "", ip)) == dunno);
  CHECK(c.ask(rcpt("known@test.example", "", ip)) == dunno);
  const int wait = wait_in(c.ask(rcpt("known@test.example", "a@b.example", ip)));
  CHECK(wait >= 1);
  CHECK(wait <= 10);
  CHECK(contains(svc.stats.render(), "ferry_policy_rate_limited_total{limit=\"client\"} 1\n"));
  // Another client address has its own quota.
  CHECK(c.ask(rcpt("known@test.example", "", "203.0.113.7")) == dunno);
}

TEST_CASE("rate limits: with Redis down they fail open, counted, and recover",
          "[policy][ratelimit]") {
  ferry::test::redis_server redis;
  const auto sender = ferry::test::unique_name("rl-down") + "@sender.example";
  limited_service svc(redis.url() + "?timeout=200ms&connect_timeout=200ms", "1/60s");
  ferry::test::policy_client c(svc.server->port());
  CHECK(c.ask(rcpt("known@test.example", sender)) == dunno);
  CHECK(wait_in(c.ask(rcpt("known@test.example", sender))) > 0);

  redis.kill();
  // Over the limit, but the limiter cannot tell: admitted, not deferred, not failed.
  for (int i = 0; i < 3; ++i) CHECK(c.ask(rcpt("known@test.example", sender)) == dunno);
  CHECK_FALSE(contains(svc.stats.render(), "ferry_policy_rate_limit_errors_total 0\n"));
  CHECK(svc.stats.decisions(verdict::defer) == 0);

  redis.start();  // empty (no persistence): the quota starts over after the cool-down
  REQUIRE(ferry::test::wait_until(
      [&] { return wait_in(c.ask(rcpt("known@test.example", sender))) > 0; }, 15s, 200ms));
}

TEST_CASE(
    "near cache: an admin write from another process reaches a serving ferry-policyd "
    "within 100 ms",
    "[policy][cache][near]") {
  ferry::test::redis_server redis;
  ferry::test::temp_dir dir("ferry-policy-near");
  const std::string db = dir.path() + "/mail.db";
  const std::map<std::string, std::string> env{{"REDIS_URL", redis.url()}};
  const auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {FERRY_POLICYD_PATH, "--db-url", db});
    (void)ferry::test::run_command(args, env);
  };
  admin({"--init-db"});
  admin({"address", "add", "known@test.example"});

  const int port = ferry::test::free_port();
  const int admin_port = ferry::test::free_port();
  ferry::test::spawn_options spawn;
  spawn.log_file = dir.path() + "/policyd.log";
  spawn.env = env;
  ferry::test::child_process policyd(
      {FERRY_POLICYD_PATH, "--db-url", db, "--listen", "127.0.0.1:" + std::to_string(port),
       "--admin-listen", "127.0.0.1:" + std::to_string(admin_port)},
      spawn);
  REQUIRE(ferry::test::wait_until(
      [&] {
        return !ferry::test::run_command(
                    {"curl", "-s", "http://127.0.0.1:" + std::to_string(admin_port) + "/health"},
                    {}, false)
                    .empty();
      },
      10s));
  ferry::test::policy_client c(port);
  // The first ask loads from the database, the second reads Redis and fills the near cache;
  // from then on the answer comes from the process itself.
  const auto near_hits = [&] {
    const auto text = ferry::test::run_command(
        {"curl", "-s", "http://127.0.0.1:" + std::to_string(admin_port) + "/metrics"}, {}, false);
    std::smatch m;
    static const std::regex line("ferry_policy_cache_near_hits_total ([0-9]+)");
    return std::regex_search(text, m, line) ? std::stoi(m[1].str()) : -1;
  };
  REQUIRE(ferry::test::wait_until(
      [&] {
        CHECK(c.ask(rcpt("new@test.example", "a@b.example")) == reject);
        return near_hits() > 0;
      },
      5s, 50ms));

  // Another process (the admin CLI) adds the address: it deletes policy:new@..., Redis tells
  // every tracking ferry-policyd, which drops its copy.
  admin({"address", "add", "new@test.example"});
  const auto written = std::chrono::steady_clock::now();
  REQUIRE(ferry::test::wait_until(
      [&] { return c.ask(rcpt("new@test.example", "a@b.example")) == dunno; }, 2s, 5ms));
  CHECK(std::chrono::steady_clock::now() - written < 100ms);
  policyd.terminate();
}
