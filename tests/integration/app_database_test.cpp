// Every app that keeps mail reads its database from the same settings (--database-url, then
// DATABASE_URL, DB_URL, DB_*), and a database it cannot open is named in its error. The apps run
// as real processes on SQLite files; the broker they are given does not exist, so nothing else
// is needed, and each run ends on its own (the worker, which retries the broker, at a timeout).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "email_test_util.hpp"
#include "ferry_test/process.hpp"

using namespace std::chrono_literals;

namespace {

using email_test::run_with_stdin;

// The settings of one run: the database given as `database_url`, any other database setting
// from the outer environment blanked out (empty means unset), a broker on a closed port.
std::map<std::string, std::string> env_for(const ferry::test::temp_dir& dir,
                                           const std::string& database_url) {
  return {{"DATABASE_URL", database_url},
          {"DB_URL", ""},
          {"DB_HOST", ""},
          {"DB_PORT", ""},
          {"DB_USER", ""},
          {"DB_PASSWORD", ""},
          {"DB_NAME", ""},
          {"RABBITMQ_URL",
           "amqp://guest:guest@127.0.0.1:" + std::to_string(ferry::test::free_port()) + "/"},
          {"INGEST_CONFIRM_TIMEOUT_MS", "500"},
          {"INGEST_SPOOL_DIR", dir.path() + "/spool"},
          {"ATTACHMENT_STORAGE_PATH", dir.path() + "/attachments"},
          {"REDIS_URL", ""}};
}

const std::string mail =
    "From: a@b.example\r\nTo: r@test.example\r\nMessage-ID: <db-setting@b.example>\r\n"
    "Subject: hello\r\n\r\nbody\r\n";

}  // namespace

TEST_CASE("DATABASE_URL chooses the database of ingest, email-worker and policyd",
          "[apps][database]") {
  ferry::test::temp_dir dir("ferry-app-db");

  const auto policy_db = dir.path() + "/policy.db";
  const auto policyd = run_with_stdin({FERRY_POLICYD_PATH, "--init-db"}, "",
                                      env_for(dir, "sqlite://" + policy_db), dir.path());
  INFO(policyd.output);
  CHECK(policyd.exit_code == 0);
  CHECK(std::filesystem::exists(policy_db));

  // ingest opens its database, then fails to reach the broker (75: Postfix retries later).
  const auto ingest_db = dir.path() + "/ingest.db";
  const auto ingest = run_with_stdin({FERRY_INGEST_PATH, "a@b.example", "r@test.example"}, mail,
                                     env_for(dir, "sqlite://" + ingest_db), dir.path());
  INFO(ingest.output);
  CHECK(ingest.exit_code == 75);
  CHECK(std::filesystem::exists(ingest_db));

  // The worker opens its database before it connects to the broker.
  const auto worker_db = dir.path() + "/worker.db";
  const auto worker = run_with_stdin({FERRY_WORKER_PATH}, "", env_for(dir, "sqlite://" + worker_db),
                                     dir.path(), 10s);
  INFO(worker.output);
  CHECK(std::filesystem::exists(worker_db));

  // --database-url (and its old spelling --db-url) wins over the environment.
  const auto flag_db = dir.path() + "/flag.db";
  const auto flagged =
      run_with_stdin({FERRY_POLICYD_PATH, "--init-db", "--db-url", "sqlite://" + flag_db}, "",
                     env_for(dir, "sqlite://" + dir.path() + "/not-this.db"), dir.path());
  INFO(flagged.output);
  CHECK(flagged.exit_code == 0);
  CHECK(std::filesystem::exists(flag_db));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/not-this.db"));
}

TEST_CASE("an app that cannot open its database names it", "[apps][database]") {
  ferry::test::temp_dir dir("ferry-app-db");
  const auto missing = dir.path() + "/no-such-dir/mail.db";
  const auto env = env_for(dir, "sqlite://" + missing);
  for (const auto& argv :
       std::vector<std::vector<std::string>>{{FERRY_INGEST_PATH, "a@b.example", "r@test.example"},
                                             {FERRY_WORKER_PATH},
                                             {FERRY_POLICYD_PATH, "--init-db"}}) {
    const auto r = run_with_stdin(argv, mail, env, dir.path(), 20s);
    INFO(argv[0] << ": " << r.output);
    CHECK(r.exit_code > 0);
    CHECK(r.output.find(missing) != std::string::npos);
  }
}
