// ferry-retry-worker's pure parts: command line + environment, name/id validation, the
// JSON views, RabbitMQ dead-letter ids.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "common/dlq_admin.hpp"
#include "ferry/amqp/dead_letters.hpp"
#include "retry-worker/config.hpp"
#include "retry-worker/views.hpp"

namespace retry = ferry::apps::retry;
using ferry::apps::dlq_admin;
using ferry::apps::dlq_backend;

namespace {

// Sets environment variables for one test and restores them afterwards.
struct scoped_env {
  explicit scoped_env(std::vector<std::pair<std::string, std::string>> vars) {
    for (auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved.emplace_back(k, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(k.c_str(), v.c_str(), 1);
    }
  }
  ~scoped_env() {
    for (auto& [k, v] : saved) {
      if (v)
        ::setenv(k.c_str(), v->c_str(), 1);
      else
        ::unsetenv(k.c_str());
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
};

retry::cli_outcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "ferry-retry-worker");
  return retry::parse_command_line(static_cast<int>(args.size()), args.data());
}

}  // namespace

TEST_CASE("retry worker config: environment defaults, flags override", "[retry]") {
  scoped_env env{{{"ADMIN_TOKEN", "t"},
                  {"QUEUES", "a, b,,c"},
                  {"RABBITMQ_URL", "amqp://guest:guest@localhost/"},
                  {"RABBITMQ_QUEUES", ""},
                  {"RABBITMQ_QUEUE", "email_processing"},
                  {"SCHEDULER_MAX_SLEEP_SECONDS", "3"},
                  {"MAX_RETRY_ATTEMPTS", "4"}}};
  auto out = parse({});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.cmd.kind == retry::command_kind::serve);
  CHECK(out.cfg.queues == std::vector<std::string>{"a", "b", "c"});
  CHECK(out.cfg.amqp_queues == std::vector<std::string>{"email_processing"});
  CHECK(out.cfg.max_sleep == std::chrono::seconds(3));
  CHECK(out.cfg.queue.retry.max_attempts == 4);
  CHECK(out.cfg.admin_token == "t");

  out = parse({"--queues", "x", "--listen", "127.0.0.1:0", "--max-sleep-seconds", "1"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.queues == std::vector<std::string>{"x"});
  CHECK(out.cfg.admin_listen == "127.0.0.1:0");
  CHECK(out.cfg.max_sleep == std::chrono::seconds(1));
}

TEST_CASE("retry worker config: dlq subcommands and usage errors", "[retry]") {
  scoped_env env{{{"ADMIN_TOKEN", ""}, {"SCHEDULER_MAX_SLEEP_SECONDS", ""}}};
  auto out = parse({"dlq", "list", "emails", "--offset", "5", "--limit", "7", "--json"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.cmd.kind == retry::command_kind::dlq_list);
  CHECK(out.cfg.cmd.queue == "emails");
  CHECK(out.cfg.cmd.offset == 5);
  CHECK(out.cfg.cmd.limit == 7);
  CHECK(out.cfg.cmd.json);

  out = parse({"dlq", "requeue", "emails", "--all"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.cmd.kind == retry::command_kind::dlq_requeue);
  CHECK(out.cfg.cmd.all);
  out = parse({"dlq", "purge", "emails", "abc"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.cmd.kind == retry::command_kind::dlq_purge);
  CHECK(out.cfg.cmd.id == "abc");

  CHECK(parse({"dlq", "requeue", "emails"}).exit_code == 2);                // neither id nor --all
  CHECK(parse({"dlq", "requeue", "emails", "x", "--all"}).exit_code == 2);  // both
  CHECK(parse({"dlq"}).exit_code == 2);
  CHECK(parse({"serve"}).exit_code == 2);  // no ADMIN_TOKEN
  CHECK_FALSE(parse({"serve", "--no-admin"}).exit_code);
  CHECK(parse({"--no-admin", "--max-sleep-seconds", "0"}).exit_code == 2);
  CHECK(parse({"--no-admin", "--auth-failures-per-minute", "x"}).exit_code == 2);
  CHECK(parse({"--help"}).exit_code == 0);
}

TEST_CASE("queue names and ids are checked before any server is asked", "[retry]") {
  CHECK_NOTHROW(dlq_admin::check_queue_name("emails.high:v2-x_y"));
  CHECK_THROWS_AS(dlq_admin::check_queue_name(""), std::invalid_argument);
  CHECK_THROWS_AS(dlq_admin::check_queue_name("a b"), std::invalid_argument);
  CHECK_THROWS_AS(dlq_admin::check_queue_name("a{b}"), std::invalid_argument);
  CHECK_THROWS_AS(dlq_admin::check_queue_name(std::string(201, 'a')), std::invalid_argument);
  CHECK_NOTHROW(dlq_admin::check_id(dlq_backend::redis, std::string(32, 'f')));
  CHECK_THROWS_AS(dlq_admin::check_id(dlq_backend::redis, std::string(32, 'F')),
                  std::invalid_argument);
  CHECK_THROWS_AS(dlq_admin::check_id(dlq_backend::redis, std::string(31, 'a')),
                  std::invalid_argument);
  CHECK_NOTHROW(dlq_admin::check_id(dlq_backend::amqp, "order-42/retry"));
  CHECK_THROWS_AS(dlq_admin::check_id(dlq_backend::amqp, "a b"), std::invalid_argument);
  CHECK_THROWS_AS(dlq_admin::check_id(dlq_backend::amqp, ""), std::invalid_argument);
}

TEST_CASE("views: ISO 8601 times, invalid UTF-8 payloads, page shape", "[retry]") {
  using namespace std::chrono;
  CHECK(retry::iso8601(system_clock::time_point{milliseconds{1700000000123}}) ==
        "2023-11-14T22:13:20.123Z");
  // Before 1970 the fraction counts forward from the whole second (found by fuzzing: ".-959Z").
  CHECK(retry::iso8601(system_clock::time_point{milliseconds{-959}}) == "1969-12-31T23:59:59.041Z");
  ferry::apps::dlq_page page;
  page.queue = "q";
  page.total = 1;
  page.limit = 50;
  ferry::apps::dlq_entry e;
  e.id = "id";
  e.payload = std::string("ok\xff", 3);
  e.max_attempts = 3;
  page.entries.push_back(e);
  const auto text = retry::dump(retry::page_view(page));
  CHECK(text.find("\"payload\":\"ok\xEF\xBF\xBD\"") != std::string::npos);  // U+FFFD
  CHECK(text.find(R"("dead_at":null)") != std::string::npos);
  CHECK(text.find(R"("backend":"redis")") != std::string::npos);
}

TEST_CASE("RabbitMQ dead letters without message_id get a stable hash id", "[retry][amqp]") {
  ferry::amqp::message a;
  a.body = "x";
  ferry::amqp::message b = a;
  b.props.headers.set("other", 1);
  CHECK(ferry::amqp::dead_message_id(a) == ferry::amqp::dead_message_id(b));
  CHECK(ferry::amqp::dead_message_id(a).size() == 17);
  b.body = "y";
  CHECK(ferry::amqp::dead_message_id(a) != ferry::amqp::dead_message_id(b));
}

TEST_CASE("retry worker config: probe listener and probe exposure", "[retry]") {
  scoped_env env{{{"ADMIN_TOKEN", "t"},
                  {"PROBE_LISTEN", "0.0.0.0:8091"},
                  {"ADMIN_PROBES", "token"},
                  {"RABBITMQ_URL", ""}}};
  auto out = parse({});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.probe_listen == "0.0.0.0:8091");
  CHECK(out.cfg.probes == ferry::service::probe_exposure::token);
  out = parse({"--probes", "open", "--probe-listen", "127.0.0.1:9"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.probes == ferry::service::probe_exposure::open);
  CHECK(out.cfg.probe_listen == "127.0.0.1:9");
  CHECK(parse({"--probes", "sometimes"}).exit_code == 2);
}
