// The mail_store suite. Runs against SQLite in the unit binary (mail_store_sqlite.cpp) and
// against a private PostgreSQL server in the integration binary (mail_store_postgresql.cpp):
// each provides make_test_database().
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/mail_store.hpp"
#include "ferry/core/error.hpp"
#include "mail_store_test_database.hpp"

using namespace std::chrono_literals;
using ferry::apps::mail_store;
using ferry::sql::session;
using clock_type = std::chrono::system_clock;

namespace {

struct store_fixture {
  std::unique_ptr<ferry::test::test_database> database = ferry::test::make_test_database();
  session db{database->url()};
  clock_type::time_point now = clock_type::time_point(std::chrono::seconds(1'700'000'000));
  mail_store store{db, {.clock = [this] { return now; }}};

  store_fixture() { store.init_schema(); }
};

ferry::errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ferry::error& e) {
    return e.kind();
  }
  FAIL("no ferry::error thrown");
  return ferry::errc::closed;
}

}  // namespace

TEST_CASE("normalize_address trims and lower-cases", "[mail_store]") {
  CHECK(ferry::apps::normalize_address("  User@Example.ORG\t\n") == "user@example.org");
  CHECK(ferry::apps::normalize_address("a@b") == "a@b");
  CHECK(ferry::apps::normalize_address("   ").empty());
}

TEST_CASE_METHOD(store_fixture, "init_schema is idempotent", "[mail_store]") {
  store.init_schema();
  store.init_schema();
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM messages") == 0);
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM attachments") == 0);
}

TEST_CASE_METHOD(store_fixture, "recipients: add, look up, deactivate, remove", "[mail_store]") {
  CHECK_FALSE(store.lookup_recipient("nobody@example.org"));
  CHECK(store.add_address(" Alice@Example.org ", std::string("acme")) == "alice@example.org");

  auto r = store.lookup_recipient("ALICE@example.org");
  REQUIRE(r);
  CHECK(r->address == "alice@example.org");
  CHECK(r->tier == "free");
  CHECK(r->active);
  const auto acme = r->customer_id;

  CHECK(store.set_active("alice@example.org", false));
  CHECK_FALSE(store.lookup_recipient("alice@example.org")->active);
  CHECK_FALSE(store.set_active("ghost@example.org", true));

  // add_address on an existing address moves and re-activates it.
  store.add_address("alice@example.org", std::string("globex"), true);
  r = store.lookup_recipient("alice@example.org");
  REQUIRE(r);
  CHECK(r->customer_id != acme);
  CHECK(r->active);

  // By id: must exist.
  store.add_address("bob@example.org", acme);
  CHECK(store.lookup_recipient("bob@example.org")->customer_id == acme);
  CHECK(code_of([&] { store.add_address("x@example.org", std::int64_t{987654}); }) ==
        ferry::errc::not_found);
  CHECK_THROWS_AS(store.add_address("  ", std::string("acme")), std::invalid_argument);

  CHECK(store.remove_address("BOB@example.org"));
  CHECK_FALSE(store.remove_address("bob@example.org"));
  CHECK_FALSE(store.lookup_recipient("bob@example.org"));
}

TEST_CASE_METHOD(store_fixture, "set_customer_tier returns the addresses to invalidate",
                 "[mail_store]") {
  store.add_address("b@acme.test", std::string("acme"));
  store.add_address("a@acme.test", std::string("acme"));
  store.add_address("c@other.test", std::string("other"));
  const auto stale = store.set_customer_tier(std::string("acme"), "pro");
  CHECK(stale == std::vector<std::string>{"a@acme.test", "b@acme.test"});
  CHECK(store.lookup_recipient("a@acme.test")->tier == "pro");
  CHECK(store.lookup_recipient("c@other.test")->tier == "free");
  CHECK(code_of([&] { (void)store.set_customer_tier(std::string("nope"), "pro"); }) ==
        ferry::errc::not_found);
  CHECK_THROWS_AS(store.set_customer_tier(std::string("acme"), ""), std::invalid_argument);
}

TEST_CASE_METHOD(store_fixture, "create_message is idempotent on (delivery key, recipient)",
                 "[mail_store]") {
  const ferry::apps::new_message m{.message_id_header = "<1@mx>",
                                   .delivery_key = "key-1@mx",
                                   .recipient = "User@Example.org",
                                   .sender = "s@x.test",
                                   .raw_size = 42,
                                   .raw_ref = "/spool/1.eml"};
  const auto changed = [&](auto change) {
    auto v = m;
    change(v);
    return store.create_message(v);
  };
  const auto rows = [&] { return db.query_value<std::int64_t>("SELECT count(*) FROM messages"); };
  const auto first = store.create_message(m);
  CHECK(first.created);
  const auto second = changed([](auto& v) { v.recipient = " user@example.org"; });
  CHECK_FALSE(second.created);
  CHECK(second.id == first.id);
  const auto third = changed([](auto& v) { v.recipient = "other@example.org"; });
  CHECK(third.created);
  CHECK(third.id != first.id);
  CHECK(rows() == 2);
  // The Message-ID is the sender's to choose: a different mail reusing it is a new record.
  const auto fourth = changed([](auto& v) { v.delivery_key = "key-other-mail"; });
  CHECK(fourth.created);
  CHECK(fourth.id != first.id);
  CHECK(rows() == 3);
  CHECK_THROWS_AS(changed([](auto& v) { v.delivery_key.clear(); }), std::invalid_argument);

  auto rec = store.get_message(first.id);
  REQUIRE(rec);
  CHECK(rec->message_id_header == "<1@mx>");
  CHECK(rec->recipient == "user@example.org");
  CHECK(rec->sender == "s@x.test");
  CHECK(rec->raw_size == 42);
  CHECK(rec->raw_ref == "/spool/1.eml");
  CHECK_FALSE(rec->raw);
  CHECK_FALSE(rec->is_processed);
  CHECK(rec->status == ferry::apps::message_status::pending);
  CHECK(rec->created_at == now);
  CHECK_FALSE(rec->processed_at);
  CHECK(store.is_processed(first.id) == false);
  CHECK_FALSE(store.is_processed(999999));
  CHECK_FALSE(store.get_message(999999));
  CHECK_THROWS_AS(store.create_message({.recipient = "a@b"}), std::invalid_argument);
}

TEST_CASE_METHOD(store_fixture, "mark_processed stores fields and attachments once",
                 "[mail_store]") {
  const auto id = store
                      .create_message({.message_id_header = "<2@mx>",
                                       .delivery_key = "key-2@mx",
                                       .recipient = "a@b.test",
                                       .raw = std::string("Subject: hi\r\n\r\nbody")})
                      .id;
  now += 5s;
  const ferry::apps::parsed_message parsed{
      .subject = "hi", .from_addr = "s@x.test", .to_addrs = "a@b.test", .text_body = "body"};
  CHECK(store.mark_processed(id, parsed,
                             {{"a.pdf", "application/pdf", 10, "aa", "/att/a.pdf"},
                              {"b.txt", "text/plain", 0, "bb", std::nullopt}}));
  auto rec = store.get_message(id);
  REQUIRE(rec);
  CHECK(rec->is_processed);
  CHECK(rec->status == ferry::apps::message_status::processed);
  CHECK(rec->processed_at == now);
  CHECK(rec->parsed.subject == "hi");
  CHECK_FALSE(rec->parsed.html_body);
  CHECK(rec->raw == "Subject: hi\r\n\r\nbody");
  REQUIRE(rec->attachments.size() == 2);
  CHECK(rec->attachments[0].filename == "a.pdf");
  CHECK(rec->attachments[0].storage_path == "/att/a.pdf");
  CHECK(rec->attachments[1].size == 0);
  CHECK_FALSE(rec->attachments[1].storage_path);
  CHECK(store.is_processed(id) == true);

  // A redelivered message is not processed twice.
  CHECK_FALSE(store.mark_processed(id, {.subject = "other"}, {{"c", "x/y", 1, "cc", {}}}));
  CHECK(store.get_message(id)->parsed.subject == "hi");
  CHECK(store.get_message(id)->attachments.size() == 2);
  CHECK_FALSE(store.mark_failed(id, "late failure"));

  CHECK(code_of([&] { store.mark_processed(424242, parsed, {}); }) == ferry::errc::not_found);
  CHECK(code_of([&] { store.mark_failed(424242, "x"); }) == ferry::errc::not_found);
}

TEST_CASE_METHOD(store_fixture, "mark_processed writes nothing when it fails half-way",
                 "[mail_store]") {
  const auto id =
      store
          .create_message(
              {.message_id_header = "<3@mx>", .delivery_key = "key-3@mx", .recipient = "a@b.test"})
          .id;
  // The second attachment violates CHECK (size >= 0) after the message row was updated and
  // the first attachment inserted.
  try {
    store.mark_processed(id, {.subject = "half"},
                         {{"ok.txt", "text/plain", 3, "aa", "/att/ok"},
                          {"bad.txt", "text/plain", -1, "bb", "/att/bad"}});
    FAIL("negative size accepted");
  } catch (const ferry::error& e) {
    CHECK(e.code() == ferry::errc::server_error);
  }
  auto rec = store.get_message(id);
  REQUIRE(rec);
  CHECK_FALSE(rec->is_processed);
  CHECK(rec->status == ferry::apps::message_status::pending);
  CHECK_FALSE(rec->parsed.subject);
  CHECK(rec->attachments.empty());
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM attachments") == 0);
  CHECK_FALSE(db.in_transaction());

  CHECK(store.mark_processed(id, {.subject = "whole"}, {{"ok.txt", "text/plain", 3, "aa", {}}}));
  CHECK(store.get_message(id)->attachments.size() == 1);
}

TEST_CASE_METHOD(store_fixture, "mark_failed keeps the message for the retry worker",
                 "[mail_store]") {
  const auto old_id =
      store
          .create_message(
              {.message_id_header = "<4@mx>", .delivery_key = "key-4@mx", .recipient = "a@b.test"})
          .id;
  now += 10min;
  const auto new_id =
      store
          .create_message(
              {.message_id_header = "<5@mx>", .delivery_key = "key-5@mx", .recipient = "a@b.test"})
          .id;
  CHECK(store.mark_failed(old_id, "parse error: truncated MIME"));
  auto rec = store.get_message(old_id);
  CHECK(rec->status == ferry::apps::message_status::failed);
  CHECK(rec->error == "parse error: truncated MIME");
  CHECK_FALSE(rec->is_processed);

  CHECK(store.unprocessed_messages(now, 10) == std::vector<std::int64_t>{old_id});
  CHECK(store.unprocessed_messages(now + 1s, 10) == std::vector<std::int64_t>{old_id, new_id});
  CHECK(store.unprocessed_messages(now + 1s, 1) == std::vector<std::int64_t>{old_id});

  CHECK(store.mark_processed(old_id, {}, {}));
  rec = store.get_message(old_id);
  CHECK(rec->status == ferry::apps::message_status::processed);
  CHECK_FALSE(rec->error);
  CHECK(store.unprocessed_messages(now + 1s, 10) == std::vector<std::int64_t>{new_id});
}

TEST_CASE_METHOD(store_fixture, "delete_messages_older_than returns the files to remove",
                 "[mail_store]") {
  const auto a = store
                     .create_message({.message_id_header = "<a@mx>",
                                      .delivery_key = "key-a@mx",
                                      .recipient = "r@x.test",
                                      .raw_ref = "/spool/a.eml"})
                     .id;
  CHECK(store.mark_processed(a, {}, {{"1", "x/y", 1, "h1", "/att/1"}, {"2", "x/y", 1, "h2", {}}}));
  now += 1h;
  const auto b = store
                     .create_message({.message_id_header = "<b@mx>",
                                      .delivery_key = "key-b@mx",
                                      .recipient = "r@x.test",
                                      .raw_ref = "/spool/b.eml"})
                     .id;
  CHECK(store.mark_processed(b, {}, {{"3", "x/y", 1, "h3", "/att/3"}}));

  auto removed = store.delete_messages_older_than(now);
  CHECK(removed.messages_deleted == 1);
  CHECK(removed.files == std::vector<std::string>{"/att/1", "/spool/a.eml"});
  CHECK_FALSE(store.get_message(a));
  REQUIRE(store.get_message(b));
  CHECK(store.get_message(b)->attachments.size() == 1);
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM attachments") == 1);

  CHECK(store.delete_messages_older_than(now).messages_deleted == 0);
}

TEST_CASE_METHOD(store_fixture, "concurrent create_message of one message creates it once",
                 "[mail_store][concurrency]") {
  constexpr int threads = 4;
  constexpr int messages = 10;
  std::vector<std::vector<ferry::apps::create_result>> results(threads);
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        session own(database->url());  // one session per thread, as the apps do
        mail_store s(own);
        for (int m = 0; m < messages; ++m) {
          results[static_cast<std::size_t>(t)].push_back(
              s.create_message({.message_id_header = "<race-" + std::to_string(m) + "@mx>",
                                .delivery_key = "key-race-" + std::to_string(m) + "@mx>",
                                .recipient = "r@x.test"}));
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& w : workers) w.join();
  REQUIRE(failures == 0);
  for (std::size_t m = 0; m < messages; ++m) {
    int created = 0;
    for (const auto& r : results) {
      CHECK(r[m].id == results[0][m].id);
      created += r[m].created ? 1 : 0;
    }
    CHECK(created == 1);
  }
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM messages") == messages);
}

TEST_CASE("init_schema upgrades a database keyed by (Message-ID, recipient), keeping its rows",
          "[mail_store]") {
  const auto database = ferry::test::make_test_database();
  session db{database->url()};
  const bool sqlite = db.kind() == ferry::sql::backend::sqlite;
  // The messages table as ferry created it before delivery keys, with one processed message
  // and its attachment.
  db.exec_script(std::string("CREATE TABLE messages (id ") +
                 (sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY") + R"(,
  message_id_header TEXT NOT NULL, recipient TEXT NOT NULL, sender TEXT NOT NULL DEFAULT '',
  raw_size BIGINT NOT NULL DEFAULT 0 CHECK (raw_size >= 0), raw_ref TEXT, raw TEXT, subject TEXT,
  from_addr TEXT, to_addrs TEXT, date TEXT, text_body TEXT, html_body TEXT,
  is_processed BOOLEAN NOT NULL DEFAULT FALSE, processed_at BIGINT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
  error TEXT, created_at BIGINT NOT NULL, UNIQUE (message_id_header, recipient));
CREATE INDEX messages_created_at ON messages(created_at);
CREATE TABLE attachments (id )" +
                 (sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY") + R"(,
  message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  filename TEXT NOT NULL DEFAULT '', content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
  size BIGINT NOT NULL CHECK (size >= 0), sha256 TEXT NOT NULL, storage_path TEXT);
INSERT INTO messages(id, message_id_header, recipient, subject, is_processed, status, created_at)
  VALUES (7, '<old@mx>', 'r@x.test', 'kept', TRUE, 'processed', 1700000000);
INSERT INTO attachments(message_id, filename, size, sha256) VALUES (7, 'a.pdf', 3, 'aa');
)");

  mail_store store{db};
  store.init_schema();
  store.init_schema();  // and again: nothing left to do
  const auto old = store.get_message(7);
  REQUIRE(old);
  CHECK(old->message_id_header == "<old@mx>");
  CHECK(old->parsed.subject == "kept");
  CHECK(old->is_processed);
  REQUIRE(old->attachments.size() == 1);
  CHECK(old->attachments[0].filename == "a.pdf");

  // The old key no longer merges mails; the new one de-duplicates.
  const ferry::apps::new_message reused{
      .message_id_header = "<old@mx>", .delivery_key = "k1", .recipient = "r@x.test"};
  const auto a = store.create_message(reused);
  CHECK(a.created);
  CHECK(a.id != 7);
  CHECK_FALSE(store.create_message(reused).created);
  // The old row can be keyed (ingest does so for recent ones), unless its key is taken.
  const auto since = clock_type::time_point(std::chrono::seconds(1'600'000'000));
  const auto unkeyed = store.messages_without_delivery_key(since, 10);
  REQUIRE(unkeyed.size() == 1);
  CHECK(unkeyed[0].id == 7);
  CHECK_FALSE(store.set_delivery_key(7, "k1"));
  CHECK(store.set_delivery_key(7, "k7"));
  CHECK_FALSE(store.set_delivery_key(7, "k8"));
  CHECK(store.messages_without_delivery_key(since, 10).empty());
  // Attachments still reference (and cascade from) the rebuilt table: foreign keys are back on.
  db.exec("DELETE FROM messages WHERE id = 7");
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM attachments") == 0);
}
