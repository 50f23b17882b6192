// Consumer behaviour against a real RabbitMQ node: prefetch, heartbeats while idle, retries
// with backoff then the DLQ, handler exceptions, graceful stop.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>

#include "amqp_test_util.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/core/error.hpp"
#include "ferry_test/servers.hpp"

using namespace ferry::amqp;
using namespace ferry_amqp_test;

namespace {
url shared() {
  return url::parse(ferry::test::shared_amqp_url());
}

message text(std::string body) {
  message m;
  m.body = std::move(body);
  return m;
}

void declare(const std::string& q) {
  connection c(shared());
  declare_queue(c, durable_queue(q));
}

// Reads everything currently in `queue` (retry/DLQ disabled, acked).
std::vector<delivery> drain(const std::string& queue, std::size_t expect) {
  consumer_options o;
  o.queue = queue;
  o.retry.enabled = false;
  collector got;
  {
    background_consumer bc(shared(), o, [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    got.wait_for(expect, 10s);
  }
  return got.snapshot();
}
}  // namespace

TEST_CASE("prefetch 2: never more than 2 unacked deliveries at once", "[amqp][consumer]") {
  const std::string q = ferry::test::unique_name("ferry_prefetch_");
  declare(q);
  publisher pub(shared());
  for (int i = 0; i < 6; ++i) pub.publish("", q, text(std::to_string(i)));

  std::atomic<bool> release{false};
  collector got;
  consumer_options o = options_for(q);
  o.prefetch = 2;
  {
    background_consumer bc(shared(), o, [&](const delivery& d) {
      got.add(d);
      while (!release.load()) std::this_thread::sleep_for(10ms);
      return outcome::ack;
    });
    REQUIRE(got.wait_for(1));
    std::this_thread::sleep_for(1s);  // let the broker push whatever prefetch allows
    connection c(shared());
    // 6 published, 2 unacked (one in the handler, one prefetched): 4 still ready.
    CHECK(inspect_queue(c, q)->message_count == 4);
    release = true;
    REQUIRE(got.wait_for(6));
  }
  cleanup(shared(), q);
}

TEST_CASE("heartbeats keep an idle consumer alive past two heartbeat intervals",
          "[amqp][consumer][heartbeat]") {
  const std::string q = ferry::test::unique_name("ferry_heartbeat_");
  declare(q);
  url u = shared();
  u.heartbeat = std::chrono::seconds(2);
  std::atomic<int> errors{0};
  consumer_options o = options_for(q);
  o.observer = ferry::observer::errors_to([&](const std::exception&, const auto&) { ++errors; });
  collector got;
  {
    background_consumer bc(u, o, [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    std::this_thread::sleep_for(5s);  // idle for 2.5 heartbeat intervals
    publisher pub(shared());
    pub.publish("", q, text("after idle"));
    REQUIRE(got.wait_for(1, 5s));
  }
  CHECK(errors == 0);  // no reconnect happened: the connection stayed up
  cleanup(shared(), q);
}

TEST_CASE("retry_later backs off through TTL queues, then lands in the DLQ with error headers",
          "[amqp][consumer][retry]") {
  const std::string q = ferry::test::unique_name("ferry_retry_");
  declare(q);
  collector calls;
  consumer_options o = options_for(q);  // 3 attempts, 100 ms base
  {
    background_consumer bc(shared(), o, [&](const delivery& d) {
      calls.add(d);
      return outcome::retry_later;
    });
    publisher pub(shared());
    const auto t0 = std::chrono::steady_clock::now();
    pub.publish("", q, text("flaky"));
    REQUIRE(calls.wait_for(3));
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(elapsed >= 300ms);  // 100 ms + 200 ms of delays at least
    std::this_thread::sleep_for(500ms);
    CHECK(calls.size() == 3);  // no fourth attempt
  }
  const auto seen = calls.snapshot();
  CHECK_FALSE(seen[0].msg.props.headers.contains("x-ferry-attempts"));
  CHECK(seen[1].msg.props.headers.get_int("x-ferry-attempts") == 1);
  CHECK(seen[2].msg.props.headers.get_int("x-ferry-attempts") == 2);

  const auto dead = drain(q + ".dlq", 1);
  REQUIRE(dead.size() == 1);
  const table& h = dead[0].msg.props.headers;
  CHECK(dead[0].msg.body == "flaky");
  CHECK(h.get_int("x-ferry-attempts") == 3);
  CHECK(h.get_string("x-ferry-error") == std::string("handler asked to retry later"));
  REQUIRE(h.find("x-ferry-first-failure"));
  REQUIRE(h.find("x-ferry-last-failure"));
  CHECK(std::holds_alternative<timestamp>(h.find("x-ferry-first-failure")->value()));
  connection c(shared());
  CHECK(inspect_queue(c, q)->message_count == 0);
  CHECK(inspect_queue(c, q + ".retry.100")->message_count == 0);
  cleanup(shared(), q);
}

TEST_CASE("a handler exception never loses the message", "[amqp][consumer][retry]") {
  const std::string q = ferry::test::unique_name("ferry_throw_");
  declare(q);
  std::atomic<int> reported{0};
  consumer_options o = options_for(q);
  o.observer =
      ferry::observer::errors_to([&](const std::exception&, const ferry::error_context& c) {
        if (c.operation == "handler") ++reported;
      });
  collector calls;
  {
    background_consumer bc(shared(), o, [&](const delivery& d) -> outcome {
      calls.add(d);
      if (d.msg.body == "transient" && calls.size() == 1)
        throw ferry::error(ferry::errc::timeout, "downstream timed out");
      if (d.msg.body == "bug") throw std::runtime_error("null pointer in template");
      return outcome::ack;
    });
    publisher pub(shared());
    pub.publish("", q, text("transient"));
    REQUIRE(calls.wait_for(2));  // retried after 100 ms, then acked
    pub.publish("", q, text("bug"));
    REQUIRE(calls.wait_for(3));
    std::this_thread::sleep_for(300ms);
  }
  CHECK(reported == 2);
  const auto seen = calls.snapshot();
  CHECK(seen[0].msg.body == "transient");
  CHECK(seen[1].msg.body == "transient");
  CHECK(seen[1]
            .msg.props.headers.get_string("x-ferry-error")
            .value_or("")
            .find("downstream timed out") != std::string::npos);
  // The non-transient failure went straight to the DLQ with its error.
  const auto dead = drain(q + ".dlq", 1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].msg.body == "bug");
  CHECK(dead[0].msg.props.headers.get_string("x-ferry-error") ==
        std::string("null pointer in template"));
  CHECK(dead[0].msg.props.headers.get_int("x-ferry-attempts") == 1);
  cleanup(shared(), q);
}

TEST_CASE("reject goes to the queue's own DLX; stop() returns prefetched messages",
          "[amqp][consumer]") {
  const std::string q = ferry::test::unique_name("ferry_reject_");
  const std::string dead = q + ".mydead";
  {
    connection c(shared());
    declare_queue(c, durable_queue(dead));
    queue_spec qs = durable_queue(q);
    qs.dead_letter_exchange = "";
    qs.dead_letter_routing_key = dead;
    declare_queue(c, qs);
  }
  publisher pub(shared());
  pub.publish("", q, text("reject me"));
  for (int i = 0; i < 5; ++i) pub.publish("", q, text("keep"));
  consumer_options o;
  o.queue = q;
  o.prefetch = 3;
  o.retry.enabled = false;
  collector got;
  {
    background_consumer bc(shared(), o, [&](const delivery& d) {
      got.add(d);
      return d.msg.body == "reject me" ? outcome::reject : outcome::ack;
    });
    REQUIRE(got.wait_for(2));
    bc.stop();  // graceful: whatever was prefetched but not handled goes back
    REQUIRE_FALSE(bc.error());
  }
  connection c(shared());
  const std::size_t handled = got.size();
  CHECK(inspect_queue(c, dead)->message_count == 1);
  CHECK(inspect_queue(c, q)->message_count == 6 - handled);
  cleanup(shared(), q, {dead});
}
