// The near cache's storage without Redis: LRU bound, expiry at an injected instant, and fills
// that an invalidation during their read must not complete.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/cache/detail/near_cache.hpp"

using namespace std::chrono_literals;
using ferry::cache::detail::near_cache;
using ferry::cache::detail::near_value;
using ferry::cache::detail::sys_time;

namespace {

const sys_time t0{std::chrono::hours{24 * 365 * 50}};

near_value value_of(int v, std::optional<sys_time> expiry = std::nullopt) {
  return {std::make_shared<const int>(v), 3ms, expiry};
}

void fill(near_cache& near, std::string_view key, near_value v) {
  auto ticket = near.begin(key);
  near.put(ticket, std::move(v));
}

std::optional<int> held(near_cache& near, std::string_view key, sys_time now = t0) {
  auto v = near.get(key, now);
  if (!v || !v->value) return std::nullopt;
  return *std::static_pointer_cast<const int>(v->value);
}

void copy_int(const void* value, void* out) {
  static_cast<std::optional<int>*>(out)->emplace(*static_cast<const int*>(value));
}

}  // namespace

TEST_CASE("near_cache stores nothing and finds nothing while inactive", "[cache]") {
  near_cache near{10};
  CHECK_FALSE(near.active());
  fill(near, "a", value_of(1));
  CHECK(near.size() == 0);
  CHECK_FALSE(near.get("a", t0));
}

TEST_CASE("near_cache fills, reads and copies out", "[cache]") {
  near_cache near{10};
  near.set_active(true);
  fill(near, "a", value_of(1, t0 + 10s));
  CHECK(near.size() == 1);
  CHECK(held(near, "a") == 1);

  std::optional<int> out;
  auto meta = near.read("a", t0, &copy_int, &out);
  REQUIRE(meta);
  CHECK_FALSE(meta->absent);
  CHECK(meta->delta == 3ms);
  CHECK(meta->expiry == t0 + 10s);
  CHECK(out == 1);

  // The absent marker: a hit that copies nothing.
  fill(near, "gone", {nullptr, 1ms, t0 + 10s});
  std::optional<int> none;
  auto absent = near.read("gone", t0, &copy_int, &none);
  REQUIRE(absent);
  CHECK(absent->absent);
  CHECK_FALSE(none);
  CHECK_FALSE(near.read("missing", t0, &copy_int, &none));
}

TEST_CASE("near_cache drops an entry at its expiry", "[cache]") {
  near_cache near{10};
  near.set_active(true);
  fill(near, "a", value_of(1, t0 + 10s));
  CHECK(held(near, "a", t0 + 10s - 1ms) == 1);
  CHECK_FALSE(held(near, "a", t0 + 10s));
  CHECK(near.size() == 0);
  fill(near, "forever", value_of(2));
  CHECK(held(near, "forever", t0 + 24h * 3650) == 2);
}

TEST_CASE("near_cache evicts the least recently used entry beyond its bound", "[cache]") {
  near_cache near{4};
  near.set_active(true);
  for (int i = 0; i < 4; ++i) fill(near, "k" + std::to_string(i), value_of(i));
  CHECK(near.size() == 4);
  fill(near, "k4", value_of(4));
  CHECK(near.size() == 4);
  CHECK_FALSE(held(near, "k0"));  // the oldest went
  CHECK(held(near, "k4") == 4);
  // A recently read entry survives new fills; one not read since it went in is evicted.
  CHECK(held(near, "k1") == 1);
  for (int i = 5; i < 8; ++i) fill(near, "k" + std::to_string(i), value_of(i));
  CHECK(near.size() == 4);
  CHECK_FALSE(held(near, "k2"));
}

TEST_CASE("near_cache: an invalidation during a read spoils its fill", "[cache]") {
  near_cache near{10};
  near.set_active(true);

  SECTION("erase of the key") {
    auto ticket = near.begin("a");
    near.erase("a");
    near.put(ticket, value_of(1));
    CHECK_FALSE(held(near, "a"));
  }
  SECTION("erase of several keys at once") {
    auto ticket = near.begin("a");
    std::vector<std::string_view> keys{"x", "a"};
    near.erase(keys);
    near.put(ticket, value_of(1));
    CHECK_FALSE(held(near, "a"));
  }
  SECTION("a flush") {
    auto ticket = near.begin("a");
    near.flush();
    near.put(ticket, value_of(1));
    CHECK_FALSE(held(near, "a"));
  }
  SECTION("losing the subscription") {
    auto ticket = near.begin("a");
    near.set_active(false);
    near.set_active(true);
    near.put(ticket, value_of(1));
    CHECK_FALSE(held(near, "a"));
  }
  SECTION("an invalidation of another key does not") {
    auto ticket = near.begin("a");
    near.erase("b");
    near.put(ticket, value_of(1));
    CHECK(held(near, "a") == 1);
  }
  SECTION("a read that begins after the invalidation fills") {
    near.erase("a");
    auto ticket = near.begin("a");
    near.put(ticket, value_of(2));
    CHECK(held(near, "a") == 2);
  }
}

TEST_CASE("near_cache: erase and flush drop entries; going active starts empty", "[cache]") {
  near_cache near{10};
  near.set_active(true);
  fill(near, "a", value_of(1));
  fill(near, "b", value_of(2));
  near.erase("a");
  CHECK_FALSE(held(near, "a"));
  CHECK(held(near, "b") == 2);
  near.flush();
  CHECK(near.size() == 0);
  fill(near, "c", value_of(3));
  near.set_active(true);  // resubscribed: anything cached before may have changed unseen
  CHECK(near.size() == 0);
}

TEST_CASE("near_cache: a ticket dropped without put releases its read", "[cache]") {
  near_cache near{10};
  near.set_active(true);
  {
    auto first = near.begin("a");
    auto moved = std::move(first);
  }  // released once, by the moved-to ticket
  auto ticket = near.begin("a");
  near.put(ticket, value_of(5));
  CHECK(held(near, "a") == 5);
}
