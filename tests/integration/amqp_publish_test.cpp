// Publisher confirms, mandatory returns, pipelining, topology and error mapping against a
// real RabbitMQ node.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "amqp_test_util.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/topology.hpp"
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

// A fresh durable queue and a publisher whose messages are all mandatory: one sent to
// `q + ".missing"` is returned, so its confirm reports a failure.
struct mandatory_rig {
  explicit mandatory_rig(const std::string& prefix) : q(ferry::test::unique_name(prefix)) {
    declare_queue(c, durable_queue(q));
  }
  void send(const std::string& key, const std::string& body) {
    pub.publish_async("", key, text(body), {.mandatory = true});
  }
  std::uint32_t depth() { return inspect_queue(c, q)->message_count; }

  std::string q;
  connection c{shared()};
  publisher pub{shared()};
};
}  // namespace

TEST_CASE("publish returns after the broker confirmed; the message is in the queue",
          "[amqp][publisher]") {
  const std::string q = ferry::test::unique_name("ferry_confirm_");
  connection c(shared());
  declare_queue(c, durable_queue(q));
  publisher pub(shared());
  pub.publish("", q, text("hello"));
  CHECK(pub.unconfirmed() == 0);
  const auto info = inspect_queue(c, q);
  REQUIRE(info);
  CHECK(info->message_count == 1);  // confirmed => routed and stored
  CHECK(purge_queue(c, q) == 1);
  delete_queue(c, q);
}

TEST_CASE("mandatory publish to an unroutable key throws publish_nacked", "[amqp][publisher]") {
  publisher pub(shared());
  const std::string key = ferry::test::unique_name("ferry_nowhere_");
  publish_options flags;
  flags.mandatory = true;
  try {
    pub.publish("", key, text("lost?"), flags);
    FAIL("no error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::publish_nacked);
    CHECK(std::string(e.what()).find("unroutable") != std::string::npos);
  }
  // Without mandatory the broker confirms and drops it silently; the publisher stays usable.
  CHECK_NOTHROW(pub.publish("", key, text("dropped")));
}

TEST_CASE("publish_async pipelines within the window; wait_confirms settles all",
          "[amqp][publisher]") {
  const std::string q = ferry::test::unique_name("ferry_async_");
  connection c(shared());
  declare_queue(c, durable_queue(q));
  publisher_options o;
  o.window = 16;
  publisher pub(shared(), o);
  for (int i = 0; i < 500; ++i) {
    pub.publish_async("", q, text(std::to_string(i)));
    CHECK(pub.unconfirmed() <= 16);
  }
  pub.wait_confirms();
  CHECK(pub.unconfirmed() == 0);
  CHECK(inspect_queue(c, q)->message_count == 500);
  delete_queue(c, q);
}

TEST_CASE("publish_async reports unroutable mandatory messages at wait_confirms",
          "[amqp][publisher]") {
  mandatory_rig r("ferry_mixed_");
  r.send(r.q, "ok");
  r.send(r.q + ".missing", "bad");
  r.send(r.q, "ok");
  try {
    r.pub.wait_confirms();
    FAIL("no error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::publish_nacked);
    CHECK(std::string(e.what()).find("1 message(s) failed") != std::string::npos);
  }
  CHECK(r.depth() == 2);
  delete_queue(r.c, r.q);
}

TEST_CASE("check_confirms reports a failure once its confirm has arrived, without waiting",
          "[amqp][publisher]") {
  mandatory_rig r("ferry_check_");
  r.send(r.q, "ok");
  CHECK_NOTHROW(r.pub.check_confirms());  // nothing failed (whether or not it is confirmed yet)
  r.send(r.q + ".missing", "bad");
  // The broker's return + confirm come back within a round trip; until then nothing throws.
  bool reported = false;
  for (int i = 0; i < 2000 && !reported; ++i) {
    try {
      r.pub.check_confirms();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::publish_nacked);
      CHECK(std::string(e.what()).find("1 message(s) failed") != std::string::npos);
      reported = true;
    }
  }
  CHECK(reported);
  // The "ok" may still be unconfirmed (a persistent message is confirmed once stored, an
  // unroutable one at once); waiting for it reports nothing: the failure was reported once.
  CHECK_NOTHROW(r.pub.wait_confirms());
  CHECK(r.pub.unconfirmed() == 0);
  CHECK(r.depth() == 1);
  delete_queue(r.c, r.q);
}

TEST_CASE("properties and nested headers survive the trip through the broker",
          "[amqp][publisher][consumer]") {
  const std::string q = ferry::test::unique_name("ferry_props_");
  message m = text(R"({"id":1})");
  m.props.content_type = "application/json";
  m.props.content_encoding = "utf-8";
  m.props.message_id = "m-1";
  m.props.correlation_id = "c-1";
  m.props.reply_to = "replies";
  m.props.priority = 3;
  m.props.type = "email";
  m.props.app_id = "ferry-tests";
  m.props.timestamp = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  m.props.expiration = std::chrono::minutes(10);
  m.props.headers.set("task", "proj.tasks.send")
      .set("retries", 0)
      .set("eta", nullptr)
      .set("argsrepr", array{"a", 1, true})
      .set("origin", table{{"host", "gen1"}, {"pid", std::int64_t{4242}}});

  {
    connection c(shared());
    declare_queue(c, durable_queue(q));  // before publishing, so nothing is dropped
  }
  collector got;
  {
    background_consumer bc(shared(), options_for(q), [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    publisher pub(shared());
    pub.publish("", q, m);
    REQUIRE(got.wait_for(1));
  }
  const delivery d = got.snapshot().at(0);
  CHECK(d.msg.body == m.body);
  CHECK(d.routing_key == q);
  CHECK(d.msg.props.persistent);
  CHECK(d.msg.props.content_type == m.props.content_type);
  CHECK(d.msg.props.content_encoding == m.props.content_encoding);
  CHECK(d.msg.props.message_id == m.props.message_id);
  CHECK(d.msg.props.correlation_id == m.props.correlation_id);
  CHECK(d.msg.props.reply_to == m.props.reply_to);
  CHECK(d.msg.props.priority == m.props.priority);
  CHECK(d.msg.props.type == m.props.type);
  CHECK(d.msg.props.app_id == m.props.app_id);
  CHECK(d.msg.props.timestamp == m.props.timestamp);
  CHECK(d.msg.props.expiration == m.props.expiration);
  CHECK(d.msg.props.headers == m.props.headers);
  cleanup(shared(), q);
}

TEST_CASE("topology: exchanges, bindings, queue arguments, passive declare, errors",
          "[amqp][topology]") {
  connection c(shared());
  const std::string ex = ferry::test::unique_name("ferry_ex_");
  const std::string q = ferry::test::unique_name("ferry_topo_");
  exchange_spec e;
  e.name = ex;
  e.type = exchange_type::topic;
  declare_exchange(c, e);
  queue_spec qs = durable_queue(q);
  qs.max_length = 2;
  qs.overflow = overflow_mode::reject_publish;
  qs.message_ttl = std::chrono::minutes(5);
  qs.dead_letter_exchange = "";
  qs.dead_letter_routing_key = q + ".dead";
  declare_queue(c, qs);
  declare_queue(c, qs);  // idempotent
  binding_spec b;
  b.queue = q;
  b.exchange = ex;
  b.routing_key = "mail.*";
  bind_queue(c, b);

  publisher pub(shared());
  pub.publish(ex, "mail.send", text("1"));
  pub.publish(ex, "mail.bounce", text("2"));
  CHECK(inspect_queue(c, q)->message_count == 2);
  // x-max-length 2 with reject-publish: the third is nacked by the broker.
  try {
    pub.publish(ex, "mail.other", text("3"));
    FAIL("no nack");
  } catch (const ferry::error& err) {
    CHECK(err.kind() == ferry::errc::publish_nacked);
  }

  // Re-declaring with different arguments: 406 PRECONDITION_FAILED with the broker's text.
  queue_spec other = durable_queue(q);
  other.max_length = 7;
  try {
    declare_queue(c, other);
    FAIL("no error");
  } catch (const ferry::error& err) {
    CHECK(err.kind() == ferry::errc::server_error);
    CHECK(std::string(err.what()).find("PRECONDITION_FAILED") != std::string::npos);
  }
  // The connection stays usable: the channel is reopened.
  CHECK_FALSE(inspect_queue(c, q + ".absent"));
  CHECK(inspect_queue(c, q)->message_count == 2);
  CHECK(delete_queue(c, q) == 2);
  CHECK_FALSE(inspect_queue(c, q));
  delete_exchange(c, ex);
}

TEST_CASE("publishing to a missing exchange is not_found; the publisher recovers",
          "[amqp][publisher]") {
  publisher pub(shared());
  try {
    pub.publish(ferry::test::unique_name("ferry_noex_"), "k", text("x"));
    FAIL("no error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::not_found);
  }
  CHECK_NOTHROW(pub.publish("", ferry::test::unique_name("ferry_after_"), text("y")));
}

TEST_CASE("bad credentials are auth_failed; a closed port is connection_failed",
          "[amqp][connection]") {
  url u = shared();
  u.password = "wrong-password";
  try {
    connection c(u);
    FAIL("no error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::auth_failed);
    CHECK(std::string(e.what()).find("wrong-password") == std::string::npos);
  }
  url closed = shared();
  closed.port = 1;
  try {
    connection c(closed);
    FAIL("no error");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::connection_failed);
    CHECK(e.is_transient());
  }
}

TEST_CASE("a quorum queue works end to end", "[amqp][quorum]") {
  const std::string q = ferry::test::unique_name("ferry_quorum_");
  consumer_options o = options_for(q);
  o.declare.queues[0].type = queue_type::quorum;
  {
    connection c(shared());
    declare_queue(c, o.declare.queues[0]);
  }
  collector got;
  {
    background_consumer bc(shared(), o, [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    publisher pub(shared());
    for (int i = 0; i < 3; ++i) pub.publish("", q, text(std::to_string(i)));
    REQUIRE(got.wait_for(3));
  }
  const auto all = got.snapshot();
  CHECK(all[0].msg.body == "0");
  CHECK(all[2].msg.body == "2");
  connection c(shared());
  CHECK(inspect_queue(c, q)->message_count == 0);
  cleanup(shared(), q);
}
