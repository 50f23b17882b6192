// The cache's single flight: one leader per key, waiters get its result or its exception.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ferry/cache/detail/single_flight.hpp"

using ferry::cache::detail::single_flight;

TEST_CASE("single_flight: the first caller of a key leads, the others join", "[cache]") {
  single_flight flights;
  auto [a, lead_a] = flights.join("k");
  auto [b, lead_b] = flights.join("k");
  auto [c, lead_c] = flights.join("other");
  CHECK(lead_a);
  CHECK_FALSE(lead_b);
  CHECK(a == b);
  CHECK(lead_c);
  CHECK(c != a);
  CHECK(flights.size() == 2);

  flights.land("k", a, std::make_shared<const int>(7), nullptr);
  CHECK(flights.size() == 1);
  CHECK(*std::static_pointer_cast<const int>(b->wait()) == 7);
  // Landed: the next caller starts a new flight.
  auto [d, lead_d] = flights.join("k");
  CHECK(lead_d);
  CHECK(d != a);
}

TEST_CASE("single_flight: waiters rethrow the leader's exception", "[cache]") {
  single_flight flights;
  auto [f, leader] = flights.join("k");
  REQUIRE(leader);
  flights.land("k", f, nullptr, std::make_exception_ptr(std::runtime_error("loader failed")));
  CHECK_THROWS_WITH(f->wait(), "loader failed");
  CHECK(flights.size() == 0);
}

TEST_CASE("single_flight: landing an old flight leaves a newer one of the key alone", "[cache]") {
  single_flight flights;
  auto [old_flight, lead_old] = flights.join("k");
  flights.land("k", old_flight, nullptr, nullptr);
  auto [new_flight, lead_new] = flights.join("k");
  REQUIRE(lead_new);
  flights.land("k", old_flight, nullptr, nullptr);  // a second landing of the old one
  CHECK(flights.size() == 1);
  auto [again, lead_again] = flights.join("k");
  CHECK_FALSE(lead_again);
  CHECK(again == new_flight);
  flights.land("k", new_flight, nullptr, nullptr);
}

TEST_CASE("single_flight: concurrent callers of one key run one load", "[cache]") {
  single_flight flights;
  std::atomic<int> loads{0};
  std::atomic<int> sum{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      auto [f, leader] = flights.join("k");
      if (leader) {
        ++loads;
        // Hold the flight until every thread has joined it (the map's copy, the leader's and
        // seven joiners'), so none can start a second one.
        while (f.use_count() < 9) std::this_thread::yield();
        flights.land("k", f, std::make_shared<const int>(5), nullptr);
      }
      sum += *std::static_pointer_cast<const int>(f->wait());
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  CHECK(loads == 1);
  CHECK(sum == 40);
}
