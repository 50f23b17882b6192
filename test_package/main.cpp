// conan create's test_package: uses each component the package was built with a little,
// without any server, so headers, component targets and transitive link lines are proven.
#include <ferry/error.hpp>
#include <ferry/redis/connection.hpp>
#include <ferry/redis/url.hpp>
#include <ferry/version.hpp>

#include <cstdint>
#include <cstdlib>
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

  std::cout << "ferry " << FERRY_VERSION_STRING << " test_package: ok\n";
  return EXIT_SUCCESS;
}
