// ferry-policyd behind a real, private Postfix: what an SMTP client sees at RCPT TO.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "decision.hpp"
#include "ferry_test/postfix.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "policy_server.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

namespace {

// The in-memory directory, made to look like the database (worker pool, deadline) and able to
// turn slow on demand.
class test_directory final : public recipient_directory {
 public:
  std::optional<recipient_status> lookup(std::string_view address) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    return addresses.lookup(address);
  }
  bool may_block() const noexcept override { return true; }

  memory_directory addresses;
  std::atomic<int> delay_ms{0};
};

struct rig {
  rig() : engine(directory) {
    directory.addresses.add_address("known@test.example");
    directory.addresses.add_address("disabled@test.example", false);
    policy_server_options options;
    options.listen = "127.0.0.1:0";
    options.decision_timeout = 1000ms;
    server = std::make_unique<policy_server>(options, engine, stats, log);
    server->start();
    ferry::test::postfix_options pf;
    pf.policy_service = "inet:127.0.0.1:" + std::to_string(server->port());
    postfix = std::make_unique<ferry::test::postfix_server>(pf);
  }

  ferry::test::smtp_reply rcpt(const std::string& to) {
    std::string transcript;
    auto reply = ferry::test::smtp_rcpt(postfix->smtp_port(), "sender@b.example", to, &transcript);
    UNSCOPED_INFO("swaks transcript:\n" << transcript);
    return reply;
  }

  test_directory directory;
  metrics stats;
  logger log{log_level::error};
  policy_engine engine;
  std::unique_ptr<policy_server> server;
  std::unique_ptr<ferry::test::postfix_server> postfix;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("Postfix accepts known recipients and rejects unknown ones with 5.1.1",
          "[policy][postfix]") {
  rig r;
  const auto known = r.rcpt("known@test.example");
  CHECK(known.code == 250);

  const auto unknown = r.rcpt("nobody@test.example");
  CHECK(unknown.code / 100 == 5);
  CHECK(contains(unknown.text,
                 "5.1.1 <nobody@test.example>: Recipient address rejected: User unknown"));

  const auto disabled = r.rcpt("Disabled@Test.example");
  CHECK(disabled.code / 100 == 5);
  CHECK(contains(disabled.text, "5.1.1"));

  // Case and brackets are normalised by Postfix and the service alike.
  CHECK(r.rcpt("KNOWN@test.example").code == 250);

  CHECK(r.postfix->wait_for_log("NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.1.1", 5s));
  CHECK(r.stats.decisions(verdict::accept) >= 2);
  CHECK(r.stats.decisions(verdict::reject_unknown) >= 1);
  CHECK(r.stats.decisions(verdict::reject_inactive) >= 1);
}

TEST_CASE("Postfix accepts a newly added address at once", "[policy][postfix]") {
  rig r;
  CHECK(r.rcpt("new@test.example").code / 100 == 5);
  r.directory.addresses.add_address("new@test.example");
  CHECK(r.rcpt("new@test.example").code == 250);
  r.directory.addresses.set_active("new@test.example", false);
  CHECK(r.rcpt("new@test.example").code / 100 == 5);
}

TEST_CASE("Postfix defers (4xx) when the directory is too slow", "[policy][postfix]") {
  rig r;
  r.directory.delay_ms = 3000;
  const auto start = std::chrono::steady_clock::now();
  const auto reply = r.rcpt("known@test.example");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(reply.code == 450);
  CHECK(contains(reply.text, "Service temporarily unavailable"));
  CHECK(took < 3s);  // swaks' own start-up included
  r.directory.delay_ms = 0;
  CHECK(r.rcpt("known@test.example").code == 250);
}

TEST_CASE("Postfix defers (4xx) when the policy service is down", "[policy][postfix]") {
  rig r;
  CHECK(r.rcpt("known@test.example").code == 250);
  r.server->stop();
  r.server.reset();
  const auto reply = r.rcpt("known@test.example");
  CHECK(reply.code / 100 == 4);
  CHECK(r.postfix->wait_for_log("problem talking to server", 5s));
}

TEST_CASE("the Postfix rig delivers accepted mail through the pipe hook", "[postfix][rig]") {
  ferry::test::temp_dir out("ferry-ingest-out");
  ferry::test::run_command({"chmod", "0777", out.path()});
  const auto script = out.path() + "/ingest.sh";
  ferry::test::run_command({"sh", "-c",
                            "printf '#!/bin/sh\\ncat > \"$1/$2\" && touch \"$1/$2.done\"\\n' > " +
                                script + " && chmod 0755 " + script});
  ferry::test::postfix_options pf;
  pf.pipe_argv = {script, out.path(), "${recipient}"};
  ferry::test::postfix_server mta(pf);
  CHECK(mta.postconf({"-h", "mydestination"}) == "test.example\n");
  const auto reply = ferry::test::smtp_send(mta.smtp_port(), "a@b.example", "someone@test.example",
                                            "Subject: rig\n\nhello from the rig\n");
  CHECK(reply.code == 250);
  const auto file = out.path() + "/someone@test.example";
  REQUIRE(ferry::test::wait_until(
      [&] {
        return ferry::test::run_command({"ls", out.path()}, {}, false).find(".done") !=
               std::string::npos;
      },
      30s));
  const auto body = ferry::test::run_command({"cat", file});
  CHECK(contains(body, "hello from the rig"));
  CHECK(contains(body, "Return-Path: <a@b.example>"));
}
