// conan create's test_package: uses each component the package was built with a little,
// without any server, so headers, component targets and transitive link lines are proven.
#include <ferry/cache/options.hpp>
#include <ferry/core/error.hpp>
#include <ferry/core/version.hpp>
#include <ferry/postfix/action.hpp>
#include <ferry/postfix/policy_request.hpp>
#include <ferry/queue/options.hpp>
#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/redis/connection.hpp>
#include <ferry/redis/url.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#if FERRY_TEST_AMQP
#include <ferry/amqp/url.hpp>
#endif
#if FERRY_TEST_SQL
#include <ferry/sql/database_url.hpp>
#include <ferry/sql/session.hpp>
#endif
#if FERRY_TEST_MAIL
#include <ferry/mail/sanitize.hpp>
#endif
#if FERRY_TEST_CELERY
#include <ferry/celery/protocol/task_request.hpp>
#endif
#if FERRY_TEST_SERVICE
#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/prometheus.hpp>
#endif

namespace {

int fail(const std::string& what) {
  std::cerr << "test_package: " << what << "\n";
  return EXIT_FAILURE;
}

}  // namespace

int main() {
  // ferry::redis: the URL parser, then hiredis itself against a port nobody listens on.
  const auto redis = ferry::redis::parse_url("redis://app:s3cret@127.0.0.1:1/2?timeout=200ms");
  const std::string shown = ferry::redis::to_string(redis);
  if (redis.db != 2 || shown.find("s3cret") != std::string::npos) return fail("redis URL");
  try {
    ferry::redis::connection refused(redis);
    return fail("redis connected to port 1");
  } catch (const ferry::error& e) {
    if (e.kind() != ferry::errc::connection_failed && e.kind() != ferry::errc::timeout)
      return fail(std::string("redis error: ") + e.what());
  }
  std::cout << "redis: " << shown << "\n";

  // ferry::cache, ferry::queue: their options from a deployment's variables.
  const auto env = [](const char* name) -> const char* {
    if (std::strcmp(name, "CACHE_DEFAULT_TTL") == 0) return "90";
    if (std::strcmp(name, "MAX_RETRY_ATTEMPTS") == 0) return "5";
    return nullptr;
  };
  const auto cache = ferry::cache::cache_options::from_env(env);
  const auto queue = ferry::queue::queue_options::from_env(env);
  if (cache.default_ttl != std::chrono::seconds(90) || queue.retry.max_attempts != 5)
    return fail("cache/queue options");
  std::cout << "cache: default ttl " << cache.default_ttl.count()
            << " ms, queue: " << queue.retry.max_attempts << " attempts\n";

  // ferry::ratelimit: the in-process limiter, two per minute.
  ferry::ratelimit::local_limiter limiter{{.limits = {{2, std::chrono::minutes(1)}}}};
  const bool first = limiter.acquire("k").allowed, second = limiter.acquire("k").allowed;
  if (!first || !second || limiter.acquire("k").allowed) return fail("ratelimit");
  std::cout << "ratelimit: third call denied\n";

  // ferry::postfix: a policy request parsed, an answer framed.
  ferry::postfix::request_parser parser;
  const auto parsed = parser.consume("request=smtpd_access_policy\nrecipient=a@b.example\n\n");
  if (parsed.status != ferry::postfix::parse_status::request_ready ||
      parser.request().recipient != "a@b.example")
    return fail("postfix request");
  std::cout << "postfix: " << ferry::postfix::action::reject("5.1.1 User unknown").text() << "\n";

#if FERRY_TEST_AMQP
  const auto amqp = ferry::amqp::url::parse("amqps://app:s3cret@mq.example:5671/jobs");
  if (!amqp.tls || amqp.vhost != "jobs") return fail("amqp URL");
  std::cout << "amqp: " << amqp.to_string() << "\n";
#endif

#if FERRY_TEST_SQL
  // SOCI's SQLite backend, in memory.
  ferry::sql::session db(ferry::sql::database_url::parse("sqlite::memory:"));
  db.exec("CREATE TABLE t(n INTEGER)");
  db.exec("INSERT INTO t(n) VALUES (:n)", 41);
  const auto n = db.query_value<std::int64_t>("SELECT n + 1 FROM t");
  if (n != 42) return fail("sql");
  std::cout << "sql: sqlite says " << *n << "\n";
#endif

#if FERRY_TEST_CELERY
  ferry::celery::protocol::task_request request;
  request.task = "tasks.add";
  request.id = ferry::celery::protocol::new_task_id();
  request.args = {2, 3};
  const auto message = ferry::celery::protocol::build_message(request);
  if (ferry::celery::protocol::parse_message(message).args != request.args) return fail("celery");
  std::cout << "celery: " << message.headers["task"].get<std::string>() << " " << message.body
            << "\n";
#endif

#if FERRY_TEST_MAIL
  const std::string safe = ferry::mail::sanitize_html("<p onclick=\"x()\">hi<script>x()</script>");
  if (safe.find("onclick") != std::string::npos || safe.find("script") != std::string::npos)
    return fail("mail: " + safe);
  std::cout << "mail: " << safe << "\n";
#endif

#if FERRY_TEST_SERVICE
  // The admin server on a free loopback port (cpp-httplib linked and running), then one
  // Prometheus scrape without a socket.
  ferry::service::metrics_registry metrics;
  metrics.add([](ferry::service::metrics_writer& out) { out.gauge("test_up", "Up.", 1); });
  ferry::service::http_router routes;
  routes.add("GET", "/metrics", ferry::service::route_access::probe, 0, metrics.handler());
  ferry::service::admin_http_server http{{.listen = "127.0.0.1:0"}, std::move(routes)};
  http.start();
  const bool listening = http.port() > 0;
  http.stop();
  const auto scraped = metrics.handler()(ferry::service::http_request{}).body;
  if (!listening || scraped.find("test_up 1\n") == std::string::npos) return fail("service");
  std::cout << "service: admin server listened; " << scraped.substr(scraped.rfind("test_up"));
#endif

  std::cout << "ferry " << FERRY_VERSION_STRING << " test_package: ok\n";
  return EXIT_SUCCESS;
}
