// ferry::postfix::recipient_handler, recipient_server_options and log_hook_for: a
// recipient_policy served and reported through a ferry::observer, without a socket.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/postfix/log_hook.hpp"
#include "ferry/postfix/recipient_handler.hpp"

using namespace ferry::postfix;

namespace {

policy_server_options with_workers(unsigned n) {
  policy_server_options o;
  o.workers = n;
  return o;
}

struct lines {
  std::vector<std::pair<ferry::log_level, std::string>> got;
  ferry::observer at(ferry::log_level threshold) {
    return ferry::observer(
        threshold, [this](ferry::log_level l, std::string_view component, std::string_view m) {
          CHECK(component.empty());
          got.emplace_back(l, std::string(m));
        });
  }
};

policy_request rcpt(std::string recipient) {
  policy_request r;
  r.request = "smtpd_access_policy";
  r.protocol_state = "RCPT";
  r.sender = "s@b.example";
  r.client_address = "192.0.2.1";
  r.queue_id = "Q1";
  r.has_recipient = !recipient.empty();
  r.recipient = std::move(recipient);
  return r;
}

// Decides `r` on the loop (the memory directory never blocks) and reports the answer.
void answer(policy_handler& h, const policy_request& r) {
  const auto first = h.decide(r);
  REQUIRE(std::holds_alternative<decision>(first));
  const auto& made = std::get<decision>(first);
  if (h.on_answer) h.on_answer(answered{r, made, std::chrono::microseconds(80)});
}

}  // namespace

TEST_CASE("recipient_handler answers with the policy and logs at debug",
          "[postfix][recipient_handler]") {
  memory_directory dir;
  dir.add_address("known@test.example");
  const recipient_policy policy(dir);
  lines out;
  auto h = recipient_handler(policy, out.at(ferry::log_level::debug));
  answer(h, rcpt("known@test.example"));
  answer(h, rcpt(""));
  REQUIRE(out.got.size() == 3);
  CHECK(out.got[0] == std::pair{ferry::log_level::debug,
                                std::string("decision state=RCPT recipient=known@test.example "
                                            "sender=s@b.example client=192.0.2.1 queue_id=Q1 "
                                            "verdict=accept action=\"DUNNO\" latency_us=80")});
  CHECK(out.got[1] ==
        std::pair{ferry::log_level::warning,
                  std::string("RCPT request without recipient (client_address=192.0.2.1); DUNNO")});
  CHECK(out.got[2].second.find("verdict=missing_recipient") != std::string::npos);
}

TEST_CASE("recipient_handler reports nothing below its observer's level",
          "[postfix][recipient_handler]") {
  memory_directory dir;
  const recipient_policy policy(dir);
  lines out;
  auto info = recipient_handler(policy, out.at(ferry::log_level::info));
  answer(info, rcpt("nobody@test.example"));  // no debug line
  answer(info, rcpt(""));                     // but the warning
  CHECK(out.got.size() == 1);
  CHECK_FALSE(recipient_handler(policy, out.at(ferry::log_level::error)).on_answer);
  CHECK_FALSE(recipient_handler(policy).on_answer);  // a silent observer: no hook at all
}

TEST_CASE("recipient_server_options: workers only when the policy may block, its fallback",
          "[postfix][recipient_handler]") {
  memory_directory dir;
  const recipient_policy never_blocks(dir);
  CHECK(recipient_server_options(never_blocks, with_workers(16)).workers == 0);
  const recipient_policy limited(dir, {}, [](std::string_view, std::string_view) {
    return std::optional<std::chrono::seconds>{};
  });
  CHECK(recipient_server_options(limited, with_workers(16)).workers == 16);
  CHECK(recipient_server_options(limited, with_workers(0)).workers == 1);
  const auto o = recipient_server_options(limited, {});
  CHECK(o.fallback.answer.text() == limited.decision_for(verdict::defer).answer.text());
  CHECK(o.fallback.kind == static_cast<unsigned>(verdict::defer));
}

TEST_CASE("log_hook_for writes the server's lines to an observer at its level",
          "[postfix][log_hook]") {
  lines out;
  const auto hook = log_hook_for(out.at(ferry::log_level::warning));
  CHECK(hook.level == log_level::warning);
  CHECK_FALSE(hook.enabled(log_level::info));
  REQUIRE(hook.enabled(log_level::error));
  hook.write(log_level::error, "policy_server: epoll_wait: bad");
  REQUIRE(out.got.size() == 1);
  CHECK(out.got[0] ==
        std::pair{ferry::log_level::error, std::string("policy_server: epoll_wait: bad")});
  CHECK(log_hook_for(out.at(ferry::log_level::debug)).level == log_level::debug);
  CHECK_FALSE(log_hook_for(ferry::observer{}).write);  // logs nothing: no function
  CHECK_FALSE(log_hook_for(out.at(ferry::log_level::off)).write);
}

TEST_CASE("observer_for turns an old log_hook into the observer policy_server takes",
          "[postfix][log_hook]") {
  std::vector<std::pair<log_level, std::string>> got;
  const auto obs = observer_for(log_hook{log_level::info, [&](log_level l, std::string_view s) {
                                           got.emplace_back(l, std::string(s));
                                         }});
  CHECK_FALSE(obs.enabled(ferry::log_level::debug));
  REQUIRE(obs.enabled(ferry::log_level::info));
  obs.log(ferry::log_level::warning, "", "policy_server: decision queue full");
  obs.log(ferry::log_level::debug, "", "not written");
  REQUIRE(got.size() == 1);
  CHECK(got[0] == std::pair{log_level::warning, std::string("policy_server: decision queue full")});
  CHECK_FALSE(observer_for(log_hook{}).enabled(ferry::log_level::error));  // no function
}
