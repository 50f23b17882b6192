// The whole email path with a real Postfix: swaks → smtpd (asking ferry's policy service) →
// pipe(8) → ferry-ingest → RabbitMQ → ferry-email-worker → SQLite + attachment files, and the
// recipient's cached policy decision deleted from Redis.
#include <catch2/catch.hpp>

#include <memory>

#include <ferry/redis/client.hpp>

#include "decision.hpp"
#include "email_test_util.hpp"
#include "ferry_test/postfix.hpp"
#include "log.hpp"
#include "metrics.hpp"

using namespace email_test;
using namespace std::chrono_literals;
namespace policy = ferry::apps::policy;

namespace {

// swaks sends ann@b.example → user@test.example a mail with a hostile HTML part (script, event
// handlers, a javascript: link) and a PDF attachment, invoice.txt, written into `dir`; returns
// swaks's transcript.
std::string send_hostile_mail(int smtp_port, const std::string& dir) {
  const std::string attachment = dir + "/invoice.txt";
  { std::ofstream(attachment) << "attachment content 42\n"; }
  return ferry::test::run_command(
      {"swaks", "--server", "127.0.0.1:" + std::to_string(smtp_port), "--from", "ann@b.example",
       "--to", "user@test.example", "--header", "Subject: e2e through postfix", "--attach-type",
       "text/html", "--attach-body",
       "<p onclick=\"steal()\">Hi<script>alert(1)</script><img src=x onerror=alert(2)>"
       "<a href=\"javascript:alert(3)\">click</a> <b>bold</b></p>",
       "--attach-type", "application/pdf", "--attach", "@" + attachment},
      {}, false);
}

}  // namespace

TEST_CASE("mail sent with swaks through Postfix ends as a processed, sanitised record",
          "[email][postfix]") {
  deployment d;
  // Postfix runs the pipe command as `nobody`: it must reach and write the database + spool.
  ferry::test::run_command({"mkdir", "-p", d.spool, d.attachments});
  ferry::test::run_command({"chmod", "0755", d.dir.path()});
  ferry::test::run_command({"chown", "-R", "nobody", d.dir.path()});

  policy::memory_directory directory;
  directory.add_address("user@test.example");
  policy::metrics stats;
  policy::logger log{policy::log_level::error};
  policy::policy_engine engine(directory);
  policy::policy_server_options po;
  po.listen = "127.0.0.1:0";
  auto server = policy::recipient_server(engine, po, &stats.server(), log.observer());
  server.start();

  ferry::test::postfix_options pf;
  pf.policy_service = "inet:127.0.0.1:" + std::to_string(server.port());
  // pipe(8) passes no environment: everything ferry-ingest needs is on its command line.
  pf.pipe_argv = {FERRY_INGEST_PATH, "--db-url", "sqlite://" + d.db_path, "--amqp-url", d.amqp_url,
                  "--queue",         d.queue,    "--spool-dir",           d.spool,      "${sender}",
                  "${recipient}"};
  ferry::test::postfix_server mta(pf);

  ferry::redis::client redis(ferry::test::shared_redis_url());
  redis.command({"SET", "policy:user@test.example", "OK"});
  auto worker = d.start_worker("worker.log", {{"REDIS_URL", ferry::test::shared_redis_url()}});

  const auto out = send_hostile_mail(mta.smtp_port(), d.dir.path());
  INFO(out);
  REQUIRE(contains(out, "250 2.0.0 Ok: queued"));
  // An unknown recipient is refused at RCPT by the policy service: nothing is ingested.
  CHECK(ferry::test::smtp_rcpt(mta.smtp_port(), "ann@b.example", "nobody@test.example").code /
            100 ==
        5);

  const bool processed = d.wait_processed(1, 60s);
  INFO(mta.log());
  INFO(d.log("worker.log"));
  REQUIRE(processed);
  CHECK(mta.wait_for_log("status=sent", 10s));

  ferry::sql::session db(d.url());
  ferry::apps::mail_store store(db);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 1);
  auto rec = store.get_message(1);
  REQUIRE(rec);
  CHECK(rec->recipient == "user@test.example");
  CHECK(rec->sender == "ann@b.example");
  CHECK(rec->parsed.subject == "e2e through postfix");
  REQUIRE(rec->parsed.html_body);
  const auto& html = *rec->parsed.html_body;
  CHECK(contains(html, "<b>bold</b>"));
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "onerror"));
  CHECK_FALSE(contains(html, "onclick"));
  CHECK_FALSE(contains(html, "javascript:"));
  REQUIRE(rec->attachments.size() == 1);
  CHECK(rec->attachments[0].filename == "invoice.txt");
  CHECK(rec->attachments[0].content_type == "application/pdf");
  REQUIRE(rec->attachments[0].storage_path);
  CHECK(slurp(*rec->attachments[0].storage_path) == "attachment content 42\n");

  // The worker deleted the recipient's cached policy decision.
  CHECK(ferry::test::wait_until(
      [&] {
        return redis.command({"EXISTS", "policy:user@test.example"}).as_integer() == 0;
      },
      5s));
  worker.terminate();
  mta.stop();
  server.stop();
}
