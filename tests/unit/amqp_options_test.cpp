#include <catch2/catch.hpp>

#include <stdexcept>

#include "ferry/amqp/consumer.hpp"
#include "ferry/amqp/topology.hpp"

using namespace ferry::amqp;
using namespace std::chrono_literals;

TEST_CASE("consumer options are validated without connecting", "[amqp][consumer]") {
  const url u = url::parse("amqp://127.0.0.1:1/");
  consumer_options o;
  CHECK_THROWS_AS(consumer(u, o), std::invalid_argument);  // no queue
  o.queue = "jobs";
  o.prefetch = 0;
  CHECK_THROWS_AS(consumer(u, o), std::invalid_argument);
  o.prefetch = 1;
  o.retry.policy.max_attempts = 0;
  CHECK_THROWS_AS(consumer(u, o), std::invalid_argument);
}

TEST_CASE("consumer names its retry and dead-letter queues after the work queue",
          "[amqp][consumer]") {
  consumer_options o;
  o.queue = "email_processing";
  const consumer c(url::parse("amqp://127.0.0.1:1/"), o);
  CHECK(c.retry_queue_name(60s) == "email_processing.retry.60000");
  CHECK(c.dead_letter_queue_name() == "email_processing.dlq");
  CHECK_FALSE(c.stopping());
}

TEST_CASE("queue_spec turns typed fields into x-arguments", "[amqp][topology]") {
  queue_spec q;
  q.name = "q";
  q.type = queue_type::quorum;
  q.dead_letter_exchange = "";
  q.dead_letter_routing_key = "q.dead";
  q.message_ttl = 1500ms;
  q.max_length = 10;
  q.overflow = overflow_mode::reject_publish_dlx;
  q.arguments.set("x-custom", 1);
  const table t = q.build_arguments();
  CHECK(t.get_string("x-queue-type") == std::string("quorum"));
  CHECK(t.get_string("x-dead-letter-exchange") == std::string(""));
  CHECK(t.get_string("x-dead-letter-routing-key") == std::string("q.dead"));
  CHECK(t.get_int("x-message-ttl") == 1500);
  CHECK(t.get_int("x-max-length") == 10);
  CHECK(t.get_string("x-overflow") == std::string("reject-publish-dlx"));
  CHECK(t.get_int("x-custom") == 1);
  CHECK(queue_spec{}.build_arguments().empty());
}
