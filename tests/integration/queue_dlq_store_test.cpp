// ferry::queue::dlq_store against a real redis-server: the queue's DLQ through the
// dead_letter_store interface (listing, paging, find, requeue, remove, purge, trim by age).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/core/dead_letter_catalog.hpp"
#include "ferry/core/error.hpp"
#include "ferry/queue/dlq_store.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/redis/client.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fq = ferry::queue;

namespace {

ferry::redis::client& redis() {
  static ferry::redis::client c{ferry::test::shared_redis_url()};
  return c;
}

fq::queue_options options_with_prefix(const std::string& prefix) {
  fq::queue_options o;
  o.key_prefix = prefix;
  o.retry.max_attempts = 2;
  o.worker_id = "store-test";
  return o;
}

// Dead-letters `n` jobs in `q`, "p0".."p<n-1>" with errors "e0"..; returns their ids.
std::vector<std::string> kill_jobs(fq::queue& q, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(q.enqueue("p" + std::to_string(i)));
    auto j = q.try_reserve();
    REQUIRE(j);
    (void)q.fail_permanently(*j, "e" + std::to_string(i));
  }
  return ids;
}

}  // namespace

TEST_CASE("queue dlq_store: lists known and configured queues with their counts", "[queue][dlq]") {
  const std::string prefix = ferry::test::unique_name("dlqs");
  fq::queue used{redis(), "used", options_with_prefix(prefix)};
  kill_jobs(used, 3);
  fq::dlq_store store{redis(), {.queues = {"configured"}, .queue = options_with_prefix(prefix)}};

  const auto qs = store.queues();
  REQUIRE(qs.size() == 2);
  CHECK(qs[0].queue == "configured");
  CHECK(qs[0].count == 0);
  CHECK(qs[1].queue == "used");
  CHECK(qs[1].count == 3);
  CHECK(qs[1].source == "redis");
  CHECK(store.serves("used"));
  CHECK(store.serves("configured"));
  CHECK_FALSE(store.serves("other"));
  CHECK(fq::is_known_queue(redis(), "used", options_with_prefix(prefix).key_prefix));
  CHECK_FALSE(fq::is_known_queue(redis(), "configured", options_with_prefix(prefix).key_prefix));
  try {
    (void)store.page("other", 0, 10);
    FAIL("an unknown queue was served");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::not_found);
  }
  used.destroy();
}

TEST_CASE("queue dlq_store: records, find, requeue, remove, purge, trim", "[queue][dlq]") {
  const std::string prefix = ferry::test::unique_name("dlqs");
  fq::queue q{redis(), "work", options_with_prefix(prefix)};
  const auto ids = kill_jobs(q, 4);
  fq::dlq_store store{redis(), {.queue = options_with_prefix(prefix)}};

  const auto page = store.page("work", 0, 10);
  REQUIRE(page.size() == 4);
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i < page.size(); ++i) {
    payloads.push_back(page[i].payload);
    CHECK(page[i].error == "e" + page[i].payload.substr(1));
    if (i > 0) CHECK(page[i - 1].dead_at >= page[i].dead_at);  // newest first
  }
  std::sort(payloads.begin(), payloads.end());
  CHECK(payloads == std::vector<std::string>{"p0", "p1", "p2", "p3"});
  CHECK(page[0].attempts == 1);
  CHECK(page[0].max_attempts == 2);
  CHECK(page[0].dead_at.has_value());
  CHECK(page[0].queue == "work");
  CHECK(std::find(page[0].details.begin(), page[0].details.end(),
                  std::pair<std::string, std::string>{"worker", "store-test"}) !=
        page[0].details.end());

  const auto one = store.find("work", ids[1]);
  REQUIRE(one);
  CHECK(one->payload == "p1");
  CHECK_FALSE(store.find("work", std::string(32, 'a')));
  CHECK_THROWS_AS(store.find("work", "not-a-job-id"), std::invalid_argument);

  CHECK(store.requeue("work", ids[1]));
  CHECK_FALSE(store.requeue("work", ids[1]));
  auto back = q.try_reserve();
  REQUIRE(back);
  CHECK(back->payload == "p1");
  CHECK(back->attempts == 1);  // attempts start over
  CHECK(q.ack(*back));

  CHECK(store.remove("work", ids[0]));
  CHECK_FALSE(store.remove("work", ids[0]));
  CHECK(store.trim("work", 1h) == 0);  // none is an hour old
  CHECK(store.trim("work", 0s) == 2);  // every one is older than nothing
  kill_jobs(q, 2);
  CHECK(store.requeue_all("work") == 2);
  while (auto j = q.try_reserve()) (void)q.fail_permanently(*j, "again");
  CHECK(store.purge("work") == 2);
  CHECK(store.queues().at(0).count == 0);
  q.destroy();
}

TEST_CASE("dead_letter_catalog finds the Redis store by queue name", "[queue][dlq]") {
  const std::string prefix = ferry::test::unique_name("dlqs");
  fq::queue q{redis(), "orders", options_with_prefix(prefix)};
  kill_jobs(q, 1);
  ferry::dead_letter_catalog catalog;
  catalog.add(std::make_shared<fq::dlq_store>(
      redis(), fq::dlq_store_options{.queue = options_with_prefix(prefix)}));
  CHECK(catalog.store_for({}, "orders").source() == "redis");
  CHECK(catalog.store_for("redis", "orders").page("orders", 0, 5).size() == 1);
  CHECK_THROWS_AS(catalog.store_for({}, "nothing"), ferry::error);
  q.destroy();
}
