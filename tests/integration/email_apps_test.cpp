// The email path's apps as real processes against a real RabbitMQ and an SQLite database:
// ferry-ingest exit codes and idempotency, spooling, the worker's DLQ and retry handling, and
// crash safety under SIGKILL.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <random>
#include <thread>

#include <ferry/amqp/publisher.hpp>

#include "common/email_job.hpp"
#include "email_test_util.hpp"

using namespace email_test;
using namespace std::chrono_literals;

namespace {

std::uint32_t ready_messages(const deployment& d, const std::string& q) {
  ferry::amqp::connection c(ferry::amqp::url::parse(d.amqp_url));
  const auto info = ferry::amqp::inspect_queue(c, q);
  return info ? info->message_count : 0;
}

ferry::amqp::publisher queue_publisher(const deployment& d) {
  ferry::amqp::publisher_options o;
  o.declare.queues.emplace_back().name = d.queue;
  return ferry::amqp::publisher(ferry::amqp::url::parse(d.amqp_url), std::move(o));
}

ferry::amqp::message body_only(std::string body) {
  ferry::amqp::message m;
  m.body = std::move(body);
  return m;
}

}  // namespace

TEST_CASE("ingest records a redelivered mail once, and the worker processes it",
          "[email][ingest][worker]") {
  deployment d;
  const auto raw = sample_mail("idem-1@b.example", "attachment bytes");
  const auto first = d.ingest(raw, "User@Test.example");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  // Postfix redelivering the same mail (it did not see our exit code, say) republishes but
  // creates no second record.
  const auto again = d.ingest(raw, "user@test.example");
  REQUIRE(again.exit_code == 0);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 1);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE is_processed = 0") == 1);
  CHECK(ready_messages(d, d.queue) == 2);

  auto worker = d.start_worker("worker.log");
  REQUIRE(d.wait_processed(1, 30s));
  REQUIRE(ferry::test::wait_until([&] { return ready_messages(d, d.queue) == 0; }, 10s));
  worker.terminate();
  INFO(d.log("worker.log"));
  CHECK(contains(d.log("worker.log"), "already processed"));
  CHECK(contains(d.log("worker.log"), "stopped: processed 1, already processed 1"));

  ferry::sql::session db(d.url());
  auto rec = ferry::apps::mail_store(db).get_message(1);
  REQUIRE(rec);
  CHECK(rec->recipient == "user@test.example");
  CHECK(rec->parsed.subject == "hello");
  CHECK(rec->parsed.from_addr == "ann@b.example");
  REQUIRE(rec->parsed.html_body);
  CHECK_FALSE(contains(*rec->parsed.html_body, "script"));
  CHECK_FALSE(contains(*rec->parsed.html_body, "javascript"));
  CHECK_FALSE(contains(*rec->parsed.html_body, "onclick"));
  REQUIRE(rec->attachments.size() == 1);
  CHECK(rec->attachments[0].filename == "report.bin");
  REQUIRE(rec->attachments[0].storage_path);
  CHECK(slurp(*rec->attachments[0].storage_path) == "attachment bytes");
  CHECK(rec->attachments[0].storage_path->rfind(d.attachments, 0) == 0);
}

TEST_CASE("a reused Message-ID cannot suppress another mail; retries are still recorded once",
          "[email][ingest][worker]") {
  deployment d;
  // Same Message-ID, same recipient, different mails: the second used to get "already
  // recorded" and vanish (the sender chooses the Message-ID).
  const auto mine = sample_mail("reused@b.example", "the real mail", "invoice");
  const auto theirs = sample_mail("reused@b.example", "a forgery", "hello");
  REQUIRE(d.ingest(mine, "user@test.example").exit_code == 0);
  REQUIRE(d.ingest(theirs, "user@test.example").exit_code == 0);
  // Postfix retrying each: the same queue file, the same bytes (with pipe's F flag, a "From "
  // line dated per attempt).
  REQUIRE(d.ingest(mine, "user@test.example").exit_code == 0);
  REQUIRE(
      d.ingest("From sender@b.example  Sat Dec  5 01:02:03 2026\n" + theirs, "user@test.example")
          .exit_code == 0);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 2);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE message_id_header = '<reused@b.example>'") ==
        2);

  auto worker = d.start_worker("worker.log");
  REQUIRE(d.wait_processed(2, 30s));
  REQUIRE(ferry::test::wait_until([&] { return ready_messages(d, d.queue) == 0; }, 10s));
  worker.terminate();
  INFO(d.log("worker.log"));
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE subject = 'invoice'") == 1);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE subject = 'hello'") == 1);
  CHECK(contains(d.log("worker.log"), "stopped: processed 2, already processed 2"));
}
TEST_CASE("a record made before delivery keys is found again by its redelivery",
          "[email][ingest]") {
  deployment d;
  const auto raw = sample_mail("legacy@b.example", "bytes");
  REQUIRE(d.ingest(raw, "user@test.example").exit_code == 0);
  {
    // As an older ferry-ingest left it: the upgrade keeps such rows, with no key.
    ferry::sql::session db(d.url());
    db.exec("UPDATE messages SET delivery_key = NULL");
  }
  // Postfix retrying it after the upgrade (within its queue lifetime).
  const auto again = d.ingest(raw, "user@test.example", {});
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 1);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE delivery_key IS NULL") == 0);
}

TEST_CASE("ingest exits 75 when the broker is down and a later retry succeeds", "[email][ingest]") {
  deployment d;
  const auto raw = sample_mail("down-1@b.example", "x");
  const auto down = d.ingest(
      raw, "user@test.example",
      {{"RABBITMQ_URL",
        "amqp://guest:guest@127.0.0.1:" + std::to_string(ferry::test::free_port()) + "/%2F"}});
  INFO(down.output);
  CHECK(down.exit_code == 75);
  CHECK(contains(down.output, "deferred"));
  // Whatever was recorded does not block the retry Postfix makes later.
  const auto retry = d.ingest(raw, "user@test.example");
  INFO(retry.output);
  CHECK(retry.exit_code == 0);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 1);
  CHECK(ready_messages(d, d.queue) == 1);

  // A database that cannot be opened defers too.
  const auto bad_db =
      d.ingest(raw, "user@test.example", {{"DATABASE_URL", "sqlite:///nonexistent-dir/x/mail.db"}});
  CHECK(bad_db.exit_code == 75);
}

TEST_CASE("ingest usage errors exit 2, --help exits 0", "[email][ingest]") {
  deployment d;
  CHECK(run_with_stdin({FERRY_INGEST_PATH}, "", d.env(), d.dir.path()).exit_code == 2);
  CHECK(run_with_stdin({FERRY_INGEST_PATH, "--bogus", "a", "b"}, "", d.env(), d.dir.path())
            .exit_code == 2);
  CHECK(run_with_stdin({FERRY_INGEST_PATH, "--help"}, "", d.env(), d.dir.path()).exit_code == 0);
  CHECK(run_with_stdin({FERRY_WORKER_PATH, "--max-attempts", "zero"}, "", d.env(), d.dir.path())
            .exit_code == 2);
}

TEST_CASE("a message above the inline limit is spooled and queued by reference",
          "[email][ingest][worker]") {
  deployment d;
  const std::string big(20000, 'z');
  const auto raw = sample_mail("big-1@b.example", big);
  const auto r = d.ingest(raw, "user@test.example", {{"INGEST_MAX_INLINE_BYTES", "4096"}});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto queued = d.take(d.queue, 10s);
  REQUIRE(queued);
  const auto job = ferry::apps::decode_email_job(queued->msg.body);
  CHECK_FALSE(job.email_data);
  REQUIRE(job.email_ref);
  CHECK(job.email_ref->rfind(d.spool, 0) == 0);
  CHECK(slurp(*job.email_ref) == raw);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE raw IS NULL AND raw_ref IS NOT NULL") == 1);

  // Requeue what we took, then let the worker read the spooled file.
  ferry::amqp::publisher pub(ferry::amqp::url::parse(d.amqp_url));
  pub.publish("", d.queue, queued->msg);
  auto worker = d.start_worker("worker.log");
  REQUIRE(d.wait_processed(1, 30s));
  worker.terminate();
  ferry::sql::session db(d.url());
  auto rec = ferry::apps::mail_store(db).get_message(job.message_id);
  REQUIRE(rec);
  REQUIRE(rec->attachments.size() == 1);
  CHECK(rec->attachments[0].size == static_cast<std::int64_t>(big.size()));
}

TEST_CASE("the worker dead-letters bad JSON and unparseable mail and marks the record failed",
          "[email][worker]") {
  deployment d;
  ferry::sql::session db(d.url());
  ferry::apps::mail_store store(db);
  const auto rec = store.create_message({.message_id_header = "<junk@b.example>",
                                         .delivery_key = "key-junk@b.example",
                                         .recipient = "user@test.example"});
  {
    ferry::amqp::publisher pub = queue_publisher(d);
    pub.publish("", d.queue, body_only("{not json"));
    pub.publish(
        "", d.queue,
        body_only(ferry::apps::encode_email_job(
            {.message_id = rec.id, .email_data = std::string("\x01\x02 no headers here")})));
  }
  auto worker = d.start_worker("worker.log");
  REQUIRE(ferry::test::wait_until([&] { return ready_messages(d, d.queue + ".dlq") == 2; }, 30s));
  worker.terminate();

  const auto first = d.take(d.queue + ".dlq", 10s);
  REQUIRE(first);
  CHECK(first->msg.body == "{not json");
  CHECK(contains(first->msg.props.headers.get_string("x-ferry-error").value_or(""), "JSON"));
  const auto second = d.take(d.queue + ".dlq", 10s);
  REQUIRE(second);
  const auto why = second->msg.props.headers.get_string("x-ferry-error").value_or("");
  CHECK(contains(why, "not an email message"));

  auto failed = store.get_message(rec.id);
  REQUIRE(failed);
  CHECK(failed->status == ferry::apps::message_status::failed);
  CHECK_FALSE(failed->is_processed);
  REQUIRE(failed->error);
  CHECK(contains(*failed->error, "not an email message"));
}

TEST_CASE("a locked database is a transient failure: the worker retries and succeeds",
          "[email][worker]") {
  deployment d;
  REQUIRE(d.ingest(sample_mail("locked-1@b.example", "a"), "user@test.example").exit_code == 0);
  ferry::sql::session locker(d.url());
  auto tx = std::make_unique<ferry::sql::transaction>(locker);  // BEGIN IMMEDIATE: the write lock
  locker.exec("UPDATE messages SET sender = sender");
  auto worker =
      d.start_worker("worker.log", {{"DB_QUERY_TIMEOUT_MS", "300"}, {"MAX_RETRY_ATTEMPTS", "5"}});
  CHECK(ferry::test::wait_until(
      [&] {
        return contains(d.log("worker.log"), "locked") || contains(d.log("worker.log"), "busy");
      },
      20s, 100ms));
  tx.reset();  // rollback: the lock is gone
  REQUIRE(d.wait_processed(1, 30s));
  worker.terminate();
  INFO(d.log("worker.log"));
  CHECK(contains(d.log("worker.log"), "processed 1"));
  CHECK(ready_messages(d, d.queue + ".dlq") == 0);
}

TEST_CASE("a worker killed in the middle of a message loses nothing", "[email][worker][crash]") {
  deployment d;
  REQUIRE(d.ingest(sample_mail("crash-1@b.example", "payload"), "user@test.example").exit_code ==
          0);
  auto slow = d.start_worker("slow.log", {{"FERRY_TEST_PAUSE_AFTER_PARSE_MS", "30000"}});
  REQUIRE(
      ferry::test::wait_until([&] { return contains(d.log("slow.log"), "parsed, pausing"); }, 30s));
  slow.signal_group(SIGKILL);
  REQUIRE(slow.wait_for_exit(10s));
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE is_processed = 1") == 0);

  auto worker = d.start_worker("worker.log");
  REQUIRE(d.wait_processed(1, 30s));
  worker.terminate();
  CHECK(d.count("SELECT COUNT(*) FROM attachments") == 1);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE processed_at IS NOT NULL") == 1);
  CHECK(ready_messages(d, d.queue) == 0);
  CHECK(ready_messages(d, d.queue + ".dlq") == 0);
}

TEST_CASE("1000 messages through 3 workers, one SIGKILLed and restarted 10 times",
          "[email][worker][crash]") {
  constexpr int total = 1000;
  deployment d;
  {
    // What ferry-ingest does, in-process (1000 process starts would dominate the test).
    ferry::sql::session db(d.url());
    ferry::apps::mail_store store(db);
    ferry::amqp::publisher pub = queue_publisher(d);
    for (int i = 0; i < total; ++i) {
      // Ten distinct attachment contents: content addressing shares the files, but every
      // message has its own attachment row.
      const auto raw =
          sample_mail("bulk-" + std::to_string(i) + "@b.example",
                      "content " + std::to_string(i % 10), "bulk " + std::to_string(i));
      const auto rec =
          store.create_message({.message_id_header = "<bulk-" + std::to_string(i) + "@b.example>",
                                .delivery_key = "key-bulk-" + std::to_string(i) + "@b.example>",
                                .recipient = "user@test.example",
                                .raw_size = static_cast<std::int64_t>(raw.size())});
      pub.publish_async(
          "", d.queue,
          body_only(ferry::apps::encode_email_job({.message_id = rec.id, .email_data = raw})));
    }
    pub.wait_confirms();
  }
  const std::map<std::string, std::string> slow{{"FERRY_TEST_PAUSE_AFTER_PARSE_MS", "10"}};
  auto steady1 = d.start_worker("w1.log", slow);
  auto steady2 = d.start_worker("w2.log", slow);
  auto victim = d.start_worker("victim-0.log", slow);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pause_ms(150, 450);
  int kills = 0;
  for (; kills < 10; ++kills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    victim.signal_group(SIGKILL);
    REQUIRE(victim.wait_for_exit(10s));
    victim = d.start_worker("victim-" + std::to_string(kills + 1) + ".log", slow);
  }
  // The kills landed while the stream was being processed, not after it had drained.
  const auto processed_after_kills =
      d.count("SELECT COUNT(*) FROM messages WHERE is_processed = 1");
  INFO("processed when the last victim was restarted: " << processed_after_kills);
  CHECK(processed_after_kills < total);
  const bool all = d.wait_processed(total, 150s);
  victim.terminate();
  steady1.terminate();
  steady2.terminate();
  CHECK(kills == 10);
  REQUIRE(all);
  CHECK(d.count("SELECT COUNT(*) FROM messages") == total);
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE is_processed = 1 AND processed_at IS NOT NULL "
                "AND status = 'processed'") == total);
  CHECK(d.count("SELECT COUNT(*) FROM attachments") == total);
  CHECK(d.count("SELECT COUNT(*) FROM (SELECT message_id FROM attachments GROUP BY message_id "
                "HAVING COUNT(*) > 1)") == 0);
  CHECK(ready_messages(d, d.queue) == 0);
  CHECK(ready_messages(d, d.queue + ".dlq") == 0);
  // The subjects prove each record got its own message's content.
  CHECK(d.count("SELECT COUNT(*) FROM messages WHERE subject = 'bulk ' || (id - 1)") == total);
}

TEST_CASE("ferry-ingest serve records and queues POST /ingest bodies", "[email][ingest][http]") {
  deployment d;
  const int port = ferry::test::free_port();
  ferry::test::spawn_options o;
  o.env = d.env();
  o.log_file = d.dir.path() + "/serve.log";
  ferry::test::child_process serve(
      {FERRY_INGEST_PATH, "serve", "--listen", "127.0.0.1:" + std::to_string(port)}, o);
  REQUIRE(ferry::test::wait_until([&] { return contains(d.log("serve.log"), "listening"); }, 20s));
  const std::string mail_file = d.dir.path() + "/mail.eml";
  { std::ofstream(mail_file, std::ios::binary) << sample_mail("http-1@b.example", "h"); }
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
  auto post = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"curl",          "-s",           "-w", " %{http_code}",
                                  "--data-binary", "@" + mail_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ferry::test::run_command(argv, {}, false);
  };
  const auto first = post({base + "?sender=a@b.example&recipient=user@test.example"});
  CHECK(contains(first, R"({"message_id":1,"created":true})"));
  CHECK(contains(first, " 200"));
  const auto again =
      post({"-H", "X-Sender: a@b.example", "-H", "X-Recipient: user@test.example", base});
  CHECK(contains(again, R"({"message_id":1,"created":false})"));
  CHECK(contains(post({base}), " 400"));
  serve.terminate();
  CHECK(d.count("SELECT COUNT(*) FROM messages") == 1);
  CHECK(ready_messages(d, d.queue) == 2);
}
