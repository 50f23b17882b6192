// ferry::postfix::recipient_policy: recipient normalisation, verdicts and the exact action
// texts Postfix receives.
#include <catch2/catch.hpp>

#include <stdexcept>

#include <ferry/core/error.hpp>

#include <ferry/postfix/recipient_policy.hpp>

using namespace ferry::postfix;

namespace {

policy_request rcpt(std::string recipient) {
  policy_request r;
  r.request = "smtpd_access_policy";
  r.protocol_state = "RCPT";
  r.recipient = std::move(recipient);
  r.has_recipient = true;
  return r;
}

class failing_directory final : public recipient_directory {
 public:
  std::optional<recipient_status> lookup(std::string_view) override {
    throw ferry::error(ferry::errc::connection_failed, "database down");
  }
};

}  // namespace

TEST_CASE("addresses are trimmed, unbracketed and lower-cased", "[postfix][recipient_policy]") {
  CHECK(normalize_address("  <Known@Test.EXAMPLE> ") == "known@test.example");
  CHECK(normalize_address("User+Tag@Example.org") == "user+tag@example.org");
  CHECK(normalize_address("< a@b >") == "a@b");
  CHECK_FALSE(normalize_address("   "));
  CHECK_FALSE(normalize_address("<>"));
  CHECK_FALSE(normalize_address(""));
}

TEST_CASE("the engine maps directory answers to Postfix actions", "[postfix][recipient_policy]") {
  memory_directory dir;
  dir.add_address("Known@Test.example");
  dir.add_address("off@test.example", false);
  const recipient_policy engine(dir);

  CHECK(engine.decide(rcpt("known@test.example")) == verdict::accept);
  CHECK(engine.decide(rcpt("<KNOWN@test.example>")) == verdict::accept);
  CHECK(engine.decide(rcpt("nobody@test.example")) == verdict::reject_unknown);
  CHECK(engine.decide(rcpt("off@test.example")) == verdict::reject_inactive);

  CHECK(engine.action_line(verdict::accept) == "action=DUNNO\n\n");
  CHECK(engine.action_line(verdict::reject_unknown) == "action=REJECT 5.1.1 User unknown\n\n");
  CHECK(engine.action_line(verdict::reject_inactive) == "action=REJECT 5.1.1 User unknown\n\n");
  CHECK(engine.action_line(verdict::defer) ==
        "action=DEFER_IF_PERMIT Service temporarily unavailable\n\n");
  CHECK(engine.action_text(verdict::no_opinion) == "DUNNO");
}

TEST_CASE("only RCPT access policy requests are looked up", "[postfix][recipient_policy]") {
  memory_directory dir;
  const recipient_policy engine(dir);
  auto r = rcpt("nobody@test.example");
  r.protocol_state = "MAIL";
  CHECK(engine.decide(r) == verdict::no_opinion);
  r.protocol_state = "RCPT";
  r.request = "something_else";
  CHECK(engine.decide(r) == verdict::no_opinion);
  r.request = "smtpd_access_policy";
  r.has_recipient = false;
  r.recipient.clear();
  CHECK(engine.decide(r) == verdict::missing_recipient);
  CHECK(engine.action_line(verdict::missing_recipient) == "action=DUNNO\n\n");
}

TEST_CASE("a failing directory defers, never accepts or rejects", "[postfix][recipient_policy]") {
  failing_directory dir;
  const recipient_policy engine(dir);
  CHECK(engine.decide(rcpt("known@test.example")) == verdict::defer);
}

TEST_CASE("directory changes are visible on the next lookup", "[postfix][recipient_policy]") {
  memory_directory dir;
  const recipient_policy engine(dir);
  CHECK(engine.decide(rcpt("new@test.example")) == verdict::reject_unknown);
  dir.add_address("NEW@test.example");
  CHECK(engine.decide(rcpt("new@test.example")) == verdict::accept);
  CHECK(dir.set_active("new@test.example", false));
  CHECK(engine.decide(rcpt("new@test.example")) == verdict::reject_inactive);
  CHECK(dir.remove_address("new@test.example"));
  CHECK_FALSE(dir.remove_address("new@test.example"));
  CHECK(engine.decide(rcpt("new@test.example")) == verdict::reject_unknown);
}

TEST_CASE("ok_action is configurable and texts cannot break the framing",
          "[postfix][recipient_policy]") {
  memory_directory dir;
  const recipient_policy engine(dir, recipient_policy_options{.ok_action = "OK"});
  CHECK(engine.action_line(verdict::accept) == "action=OK\n\n");
  CHECK_THROWS_AS(recipient_policy(dir, recipient_policy_options{.ok_action = "OK\nevil"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(recipient_policy(dir, recipient_policy_options{.ok_action = ""}),
                  std::invalid_argument);
}

TEST_CASE("a rate-limited answer says 4.7.1 and how many seconds to wait",
          "[postfix][recipient_policy]") {
  memory_directory dir;
  const recipient_policy engine(dir);
  CHECK(engine.rate_limited_line(std::chrono::seconds(42)) ==
        "action=DEFER_IF_PERMIT 4.7.1 Rate limit exceeded, try again in 42 seconds\n\n");
  CHECK(engine.rate_limited_line(std::chrono::seconds(0)) ==
        "action=DEFER_IF_PERMIT 4.7.1 Rate limit exceeded, try again in 1 seconds\n\n");
  CHECK(to_string(verdict::rate_limited) == "rate_limited");
  CHECK_FALSE(engine.has_rate_limits());
  CHECK_FALSE(engine.check_rate_limits("a@b.example", "192.0.2.1"));
  recipient_policy_options no_seconds;
  no_seconds.rate_limited_text = "4.7.1 slow down";
  CHECK_THROWS_AS(recipient_policy(dir, no_seconds), std::invalid_argument);
}
