// ferry-retry-worker's command line + environment, and RabbitMQ dead-letter ids.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "ferry/amqp/dead_letters.hpp"
#include "retry-worker/config.hpp"

namespace retry = ferry::apps::retry;
using ferry::service::dead_letter_verb;

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
                  {"MAX_RETRY_ATTEMPTS", "4"},
                  {"CELERY_BROKER_URL", ""},
                  {"CELERY_QUEUES", ""}}};
  auto out = parse({});
  REQUIRE_FALSE(out.exit_code);
  CHECK_FALSE(out.cfg.dlq);  // serve
  CHECK(out.cfg.celery_brokers.empty());
  CHECK(out.cfg.celery_queues == std::vector<std::string>{"celery"});
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
  REQUIRE(out.cfg.dlq);
  CHECK(out.cfg.dlq->verb == dead_letter_verb::list);
  CHECK(out.cfg.dlq->queue == "emails");
  CHECK(out.cfg.dlq->offset == 5);
  CHECK(out.cfg.dlq->limit == 7);
  CHECK(out.cfg.dlq->json);
  CHECK_FALSE(out.cfg.dlq->source);

  out = parse({"dlq", "requeue", "emails", "--all", "--source", "amqp"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.dlq->verb == dead_letter_verb::requeue);
  CHECK(out.cfg.dlq->all);
  CHECK(out.cfg.dlq->source == "amqp");
  out = parse({"dlq", "purge", "emails", "abc"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.dlq->verb == dead_letter_verb::purge);
  CHECK(out.cfg.dlq->id == "abc");
  out = parse({"--celery-broker-url", "redis://a", "--celery-broker-url", "amqp://b", "dlq",
               "remove", "celery", "abc"});
  REQUIRE_FALSE(out.exit_code);
  CHECK(out.cfg.dlq->verb == dead_letter_verb::remove);
  CHECK(out.cfg.celery_brokers == std::vector<std::string>{"redis://a", "amqp://b"});
  CHECK(parse({"dlq", "remove", "emails"}).exit_code == 2);  // no id

  CHECK(parse({"dlq", "requeue", "emails"}).exit_code == 2);                // neither id nor --all
  CHECK(parse({"dlq", "requeue", "emails", "x", "--all"}).exit_code == 2);  // both
  CHECK(parse({"dlq"}).exit_code == 2);
  CHECK(parse({"serve"}).exit_code == 2);  // no ADMIN_TOKEN
  CHECK_FALSE(parse({"serve", "--no-admin"}).exit_code);
  CHECK(parse({"--no-admin", "--max-sleep-seconds", "0"}).exit_code == 2);
  CHECK(parse({"--no-admin", "--auth-failures-per-minute", "x"}).exit_code == 2);
  CHECK(parse({"--help"}).exit_code == 0);
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
