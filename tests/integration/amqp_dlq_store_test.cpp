// ferry::amqp::dlq_store against a real RabbitMQ node: a consumer's `<queue>.dlq` through the
// dead_letter_store interface (listing, paging, find, requeue, remove, purge, trim by age).
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "ferry/amqp/basic_get.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/dlq_store.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/core/error.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fa = ferry::amqp;

namespace {

fa::url broker() {
  return fa::url::parse(ferry::test::shared_amqp_url());
}

std::uint32_t depth(fa::connection& c, const std::string& q) {
  return fa::inspect_queue(c, q).value().message_count;
}

// What the consumer publishes after the last attempt: `n` letters, failed at `when`, the
// first two with a message_id.
void dead_letter(const std::string& work, int n, std::chrono::sys_seconds when) {
  fa::publisher pub{broker()};
  for (int i = 0; i < n; ++i) {
    fa::message m;
    m.body = "msg-" + std::to_string(i);
    m.props.message_id = "mid-" + std::to_string(i);
    m.props.headers.set("x-ferry-error", "failed " + std::to_string(i))
        .set("x-ferry-attempts", std::int64_t{3})
        .set("x-ferry-first-failure", fa::timestamp{when})
        .set("x-ferry-last-failure", fa::timestamp{when});
    pub.publish("", work + ".dlq", m);
  }
}

void declare(fa::connection& c, const std::string& name) {
  fa::queue_spec spec;
  spec.name = name;
  fa::declare_queue(c, spec);
}

}  // namespace

TEST_CASE("amqp dlq_store: lists configured queues, a missing DLQ as empty", "[amqp][dlq]") {
  const std::string work = ferry::test::unique_name("dlqs.amqp");
  fa::connection c{broker()};
  declare(c, work);
  declare(c, work + ".dlq");
  dead_letter(work, 2,
              std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  fa::dlq_store store{{.broker = broker(), .queues = {work, work + "-none"}}};
  const auto qs = store.queues();
  REQUIRE(qs.size() == 2);
  CHECK(qs[0].queue == work);
  CHECK(qs[0].count == 2);
  CHECK(qs[0].exists);
  CHECK(qs[1].count == 0);
  CHECK_FALSE(qs[1].exists);
  CHECK(store.page(work + "-none", 0, 10).empty());
  CHECK_FALSE(store.requeue(work + "-none", "mid-0"));
  try {
    (void)store.page("unconfigured", 0, 10);
    FAIL("an unconfigured queue was served");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::not_found);
  }
  fa::delete_queue(c, work);
  fa::delete_queue(c, work + ".dlq");
}

TEST_CASE("amqp dlq_store: records, find, requeue, remove, trim, purge", "[amqp][dlq]") {
  const std::string work = ferry::test::unique_name("dlqs.amqp");
  fa::connection c{broker()};
  declare(c, work);
  declare(c, work + ".dlq");
  const auto long_ago = std::chrono::sys_seconds{std::chrono::seconds{1700000000}};
  dead_letter(work, 3, long_ago);
  fa::dlq_store store{{.broker = broker(), .queues = {work}}};

  const auto page = store.page(work, 0, 10);
  REQUIRE(page.size() == 3);
  CHECK(page[0].id == "mid-0");  // oldest first
  CHECK(page[0].source == "amqp");
  CHECK(page[0].error == "failed 0");
  CHECK(page[0].attempts == 3);
  CHECK(page[0].first_failure == ferry::dead_letter_record::time_point{long_ago});
  CHECK(depth(c, work + ".dlq") == 3);  // paging gives them back

  const auto found = store.find(work, "mid-2");
  REQUIRE(found);
  CHECK(found->payload == "msg-2");
  CHECK_FALSE(store.find(work, "mid-9"));
  CHECK(depth(c, work + ".dlq") == 3);
  CHECK_THROWS_AS(store.find(work, "has space"), std::invalid_argument);

  CHECK(store.requeue(work, "mid-1"));
  CHECK(depth(c, work) == 1);
  auto moved = fa::get(c, work);
  REQUIRE(moved);
  CHECK(moved->msg.body == "msg-1");
  CHECK_FALSE(moved->msg.props.headers.contains("x-ferry-attempts"));  // attempts start over
  fa::ack(c, moved->delivery_tag);

  CHECK(store.remove(work, "mid-0"));
  CHECK_FALSE(store.remove(work, "mid-0"));
  dead_letter(work, 1,
              std::chrono::time_point_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now()));  // a fresh "mid-0"
  CHECK(store.trim(work, 24h) == 1);                   // mid-2 failed long ago; the fresh one stays
  const auto left = store.page(work, 0, 10);
  REQUIRE(left.size() == 1);
  CHECK(left[0].payload == "msg-0");
  CHECK(store.requeue_all(work) == 1);
  CHECK(store.purge(work) == 0);
  fa::delete_queue(c, work);
  fa::delete_queue(c, work + ".dlq");
}
