// dead_letter_catalog: finding the store of a queue among several.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/core/dead_letter_catalog.hpp"
#include "ferry/core/error.hpp"

namespace {

// A store that serves a fixed list of queues and holds nothing.
class listed_store final : public ferry::dead_letter_store {
 public:
  listed_store(std::string source, std::vector<std::string> queues)
      : source_(std::move(source)), queues_(std::move(queues)) {}
  std::string_view source() const noexcept override { return source_; }
  std::vector<ferry::dead_letter_queue_info> queues() override {
    std::vector<ferry::dead_letter_queue_info> out;
    for (const auto& q : queues_) out.push_back({.source = source_, .queue = q});
    return out;
  }
  bool serves(std::string_view q) override {
    for (const auto& mine : queues_) {
      if (mine == q) return true;
    }
    return false;
  }
  std::int64_t count(std::string_view) override { return 0; }
  std::vector<ferry::dead_letter_record> page(std::string_view, std::size_t, std::size_t) override {
    return {};
  }
  std::optional<ferry::dead_letter_record> find(std::string_view, std::string_view) override {
    return std::nullopt;
  }
  bool requeue(std::string_view, std::string_view) override { return false; }
  std::size_t requeue_all(std::string_view) override { return 0; }
  bool remove(std::string_view, std::string_view) override { return false; }
  std::size_t purge(std::string_view) override { return 0; }
  std::size_t trim(std::string_view, std::chrono::seconds) override { return 0; }

 private:
  std::string source_;
  std::vector<std::string> queues_;
};

}  // namespace

TEST_CASE("dead_letter_catalog: a queue one source serves is found by name alone", "[dlq]") {
  ferry::dead_letter_catalog c;
  c.add(std::make_shared<listed_store>("redis", std::vector<std::string>{"a", "shared"}));
  c.add(std::make_shared<listed_store>("amqp", std::vector<std::string>{"b", "shared"}));

  CHECK(c.store_for({}, "a").source() == "redis");
  CHECK(c.store_for({}, "b").source() == "amqp");
  CHECK(c.store_for("amqp", "shared").source() == "amqp");
  CHECK_THROWS_AS(c.store_for({}, "shared"), std::invalid_argument);  // name the source
  try {
    (void)c.store_for({}, "none");
    FAIL("found a store for a queue nobody serves");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::not_found);
  }
  CHECK_THROWS_AS(c.store_for("redis", "b"), ferry::error);
  CHECK_THROWS_AS(c.store_for("celery-redis", "a"), ferry::error);

  const auto all = c.queues();
  REQUIRE(all.size() == 4);
  CHECK(all[0].source == "redis");
  CHECK(all[3].source == "amqp");
}

TEST_CASE("dead_letter_catalog: one store per source, never null", "[dlq]") {
  ferry::dead_letter_catalog c;
  c.add(std::make_shared<listed_store>("redis", std::vector<std::string>{}));
  CHECK_THROWS_AS(c.add(std::make_shared<listed_store>("redis", std::vector<std::string>{})),
                  std::invalid_argument);
  CHECK_THROWS_AS(c.add(nullptr), std::invalid_argument);
  CHECK(c.find_source("redis") != nullptr);
  CHECK(c.find_source("amqp") == nullptr);
}
