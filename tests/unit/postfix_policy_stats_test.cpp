// ferry::postfix::policy_stats: answers by kind with their latency, server events, the open
// connections gauge, and attach() keeping a handler's own hooks.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "ferry/postfix/policy_stats.hpp"

using namespace ferry::postfix;
using std::chrono::microseconds;

namespace {

void answer(policy_stats& s, unsigned kind, microseconds latency) {
  const policy_request request;
  const decision made{action::dunno(), kind};
  s.record(answered{request, made, latency});
}

}  // namespace

TEST_CASE("policy_stats counts answers by kind and their latency", "[postfix][policy_stats]") {
  policy_stats s(3);
  answer(s, 0, microseconds(80));
  answer(s, 2, microseconds(3000));
  answer(s, 2, microseconds(-5));         // a clock step: counted as 0
  answer(s, 7, microseconds(2'000'000));  // no such kind: latency only
  CHECK(s.answers(0) == 1);
  CHECK(s.answers(1) == 0);
  CHECK(s.answers(2) == 2);
  CHECK(s.answers(7) == 0);
  const auto l = s.latency();
  CHECK(l.count == 4);
  CHECK(l.sum == 80 + 3000 + 2'000'000);
  REQUIRE(l.buckets.size() == policy_stats::default_latency_bounds_us().size());
  CHECK(l.buckets.front() == std::pair<std::uint64_t, std::uint64_t>{50, 1});  // the 0
  CHECK(l.buckets[1] == std::pair<std::uint64_t, std::uint64_t>{100, 2});
  CHECK(l.buckets.back() == std::pair<std::uint64_t, std::uint64_t>{1'000'000, 3});
  CHECK_THROWS_AS(policy_stats(0), std::invalid_argument);
}

TEST_CASE("policy_stats counts events and open connections", "[postfix][policy_stats]") {
  policy_stats s(1, {10});
  s.record(server_event::connection_opened);
  s.record(server_event::connection_opened);
  s.record(server_event::connection_closed);
  s.record(server_event::decision_timeout);
  CHECK(s.events(server_event::connection_opened) == 2);
  CHECK(s.events(server_event::decision_timeout) == 1);
  CHECK(s.events(server_event::protocol_error) == 0);
  CHECK(s.open_connections() == 1);
}

TEST_CASE("policy_stats::attach records first and keeps the handler's hooks",
          "[postfix][policy_stats]") {
  policy_stats s(2);
  std::vector<unsigned> seen;
  std::vector<server_event> events;
  policy_handler h;
  h.on_answer = [&](const answered& a) { seen.push_back(a.made.kind); };
  h.on_event = [&](server_event e) { events.push_back(e); };
  s.attach(h);
  const policy_request request;
  const decision made{action::dunno(), 1};
  h.on_answer(answered{request, made, microseconds(10)});
  h.on_event(server_event::idle_timeout);
  CHECK(s.answers(1) == 1);
  CHECK(s.events(server_event::idle_timeout) == 1);
  CHECK(seen == std::vector<unsigned>{1});
  CHECK(events == std::vector<server_event>{server_event::idle_timeout});

  policy_handler bare;  // no hooks of its own
  policy_stats t(2);
  t.attach(bare);
  bare.on_event(server_event::connection_refused);
  CHECK(t.events(server_event::connection_refused) == 1);
}
