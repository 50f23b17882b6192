// Fault tests on a private RabbitMQ node that is really stopped and restarted: persistence,
// a consumer and a publisher that recover by themselves, and TLS.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include "amqp_test_util.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/core/error.hpp"
#include "ferry_test/servers.hpp"

using namespace ferry::amqp;
using namespace ferry_amqp_test;

namespace {
message text(std::string body) {
  message m;
  m.body = std::move(body);
  return m;
}

// One TLS-enabled node for this binary (restarting it is what these tests are about).
ferry::test::rabbitmq_server& node() {
  static ferry::test::rabbitmq_server server({.tls = true});
  return server;
}
url plain() {
  return url::parse(node().url());
}
}  // namespace

TEST_CASE("persistent messages in a durable queue survive a broker restart", "[amqp][restart]") {
  const std::string q = ferry::test::unique_name("ferry_persist_");
  {
    connection c(plain());
    declare_queue(c, durable_queue(q));
    publisher pub(plain());
    pub.publish("", q, text("survivor"));
  }
  node().restart();
  collector got;
  {
    background_consumer bc(plain(), options_for(q), [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    REQUIRE(got.wait_for(1));
  }
  CHECK(got.snapshot()[0].msg.body == "survivor");
  cleanup(plain(), q);
}

TEST_CASE("a consumer resumes by itself after a broker restart", "[amqp][restart]") {
  const std::string q = ferry::test::unique_name("ferry_resume_");
  std::atomic<int> errors{0};
  consumer_options o = options_for(q);
  o.observer = ferry::observer::errors_to([&](const std::exception&, const auto&) { ++errors; });
  {
    connection c(plain());
    declare_queue(c, durable_queue(q));
  }
  collector got;
  background_consumer bc(plain(), o, [&](const delivery& d) {
    got.add(d);
    // After the restart, retry once: the retry copy must be confirmed on the new connection.
    if (d.msg.body == "after" && !d.msg.props.headers.contains("x-ferry-attempts"))
      return outcome::retry_later;
    return outcome::ack;
  });
  {
    publisher pub(plain());
    pub.publish("", q, text("before"));
  }
  REQUIRE(got.wait_for(1));
  node().restart();
  {
    publisher pub(plain());
    pub.publish("", q, text("after"));
  }
  REQUIRE(got.wait_for(3, 60s));
  const auto seen = got.snapshot();
  CHECK(seen[1].msg.body == "after");
  CHECK(seen[2].msg.body == "after");
  CHECK(seen[2].msg.props.headers.get_int("x-ferry-attempts") == 1);
  CHECK(errors >= 1);  // the loss was reported
  bc.stop();
  CHECK_FALSE(bc.error());
  cleanup(plain(), q);
}

TEST_CASE("a publisher reconnects and re-sends after the broker restarts", "[amqp][restart]") {
  const std::string q = ferry::test::unique_name("ferry_republish_");
  {
    connection c(plain());
    declare_queue(c, durable_queue(q));
  }
  std::atomic<int> errors{0};
  publisher_options o;
  o.reconnect_deadline = std::chrono::seconds(60);
  o.observer = ferry::observer::errors_to([&](const std::exception&, const auto&) { ++errors; });
  publisher pub(plain(), o);
  pub.publish("", q, text("1"));
  node().stop();
  // The publisher is used by one thread at a time: this one only waits for it. The node is
  // started from the main thread, because the harness ties a server's life to its starter.
  std::exception_ptr failure;
  std::thread sender([&] {
    try {
      pub.publish("", q, text("2"));  // blocks through the outage, then is confirmed
    } catch (...) {
      failure = std::current_exception();
    }
  });
  std::this_thread::sleep_for(1s);
  node().start();
  sender.join();
  if (failure) std::rethrow_exception(failure);
  CHECK(errors >= 1);
  connection c(plain());
  CHECK(inspect_queue(c, q)->message_count == 2);
  cleanup(plain(), q);
}

TEST_CASE("amqps with a test CA: verified connection, publish and inspect", "[amqp][tls]") {
  const url u = url::parse(node().tls_url());
  REQUIRE(u.tls);
  const std::string q = ferry::test::unique_name("ferry_tls_");
  connection c(u);
  declare_queue(c, durable_queue(q));
  publisher pub(u);
  pub.publish("", q, text("secret"));
  CHECK(inspect_queue(c, q)->message_count == 1);
  delete_queue(c, q);

  // Without the test CA (system store only) the server certificate cannot be verified...
  url untrusted = u;
  untrusted.ca_file.reset();
  try {
    connection bad(untrusted);
    FAIL("connected without trusting the CA");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::connection_failed);
  }
  // ...unless verification is switched off explicitly.
  untrusted.verify = false;
  connection unverified(untrusted);
  CHECK(unverified.is_open());
}

TEST_CASE("connection_name from the URL reaches the broker's client properties",
          "[amqp][connection]") {
  const std::string name = ferry::test::unique_name("ferry-conn-");
  url u = plain();
  u.connection_name = name;
  connection c(u);
  CHECK(c.heartbeat() == std::chrono::seconds(60));
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {  // the management view lags a little
    seen = node().ctl({"list_connections", "client_properties"}).find(name) != std::string::npos;
    if (!seen) std::this_thread::sleep_for(100ms);
  }
  CHECK(seen);
}
