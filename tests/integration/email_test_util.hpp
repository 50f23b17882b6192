// Helpers for the email path tests: a private SQLite database + queue names per test, the
// ferry-ingest / ferry-email-worker binaries run as real processes.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ferry/amqp/basic_get.hpp>
#include <ferry/amqp/connection.hpp>
#include <ferry/amqp/topology.hpp>
#include <ferry/sql/session.hpp>

#include "common/mail_store.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

namespace email_test {

using namespace std::chrono_literals;

/// Exit code and stderr of a finished program.
struct run_result {
  int exit_code = -1;
  std::string output;
};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs argv with `input` on stdin and `env` added; waits for it, at most `timeout` (then kills
/// it: exit_code -1).
inline run_result run_with_stdin(const std::vector<std::string>& argv, const std::string& input,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& scratch,
                                 std::chrono::milliseconds timeout = std::chrono::minutes(10)) {
  const std::string in_file = scratch + "/stdin." + std::to_string(::getpid());
  const std::string out_file = scratch + "/stdout." + std::to_string(::getpid());
  { std::ofstream(in_file, std::ios::binary) << input; }
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open(in_file.c_str(), O_RDONLY);
    const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  run_result r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.output = slurp(out_file);
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = slurp(out_file);
  return r;
}

/// One test's private deployment: database, attachment root, spool, queue names.
struct deployment {
  deployment()
      : dir("ferry-email"),
        db_path(dir.path() + "/mail.db"),
        attachments(dir.path() + "/attachments"),
        spool(dir.path() + "/spool"),
        queue(ferry::test::unique_name("email_processing_")),
        amqp_url(ferry::test::shared_amqp_url()) {
    ferry::sql::session db(url());
    ferry::apps::mail_store(db).init_schema();
  }

  ~deployment() {
    try {
      ferry::amqp::connection c(ferry::amqp::url::parse(amqp_url));
      for (const auto& q : extra_queues) (void)ferry::amqp::delete_queue(c, q);
      for (int ms : {300, 600, 1200, 2400}) {
        (void)ferry::amqp::delete_queue(c, queue + ".retry." + std::to_string(ms));
      }
      (void)ferry::amqp::delete_queue(c, queue);
      (void)ferry::amqp::delete_queue(c, queue + ".dlq");
    } catch (...) {
    }
  }

  [[nodiscard]] ferry::sql::database_url url() const {
    return ferry::sql::database_url::parse("sqlite://" + db_path);
  }

  /// Environment both apps read.
  [[nodiscard]] std::map<std::string, std::string> env() const {
    return {{"RABBITMQ_URL", amqp_url},
            {"RABBITMQ_QUEUE", queue},
            {"DATABASE_URL", "sqlite://" + db_path},
            {"ATTACHMENT_STORAGE_PATH", attachments},
            {"INGEST_SPOOL_DIR", spool},
            {"REDIS_URL", ""}};
  }

  run_result ingest(const std::string& raw, const std::string& recipient,
                    std::map<std::string, std::string> extra = {}) const {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    return run_with_stdin({FERRY_INGEST_PATH, "sender@b.example", recipient}, raw, e, dir.path());
  }

  ferry::test::child_process start_worker(const std::string& log_name,
                                          std::map<std::string, std::string> extra = {}) const {
    ferry::test::spawn_options o;
    o.env = env();
    o.env["MAX_RETRY_ATTEMPTS"] = "5";
    o.env["RETRY_BACKOFF_BASE_SECONDS"] = "0.3";
    for (auto& [k, v] : extra) o.env[k] = v;
    o.log_file = dir.path() + "/" + log_name;
    return ferry::test::child_process({FERRY_WORKER_PATH, "-v"}, o);
  }

  [[nodiscard]] std::string log(const std::string& log_name) const {
    return slurp(dir.path() + "/" + log_name);
  }

  /// Rows of `sql` as a single integer.
  std::int64_t count(const std::string& sql) const {
    ferry::sql::session db(url());
    return db.query_value<std::int64_t>(sql).value_or(-1);
  }

  /// Waits until `n` messages are processed.
  bool wait_processed(std::int64_t n, std::chrono::milliseconds timeout) const {
    return ferry::test::wait_until(
        [&] { return count("SELECT COUNT(*) FROM messages WHERE is_processed = 1") >= n; }, timeout,
        100ms);
  }

  /// Takes (gets and acks) the first message off `q`, or nullopt after `timeout`.
  std::optional<ferry::amqp::delivery> take(const std::string& q,
                                            std::chrono::milliseconds timeout) const {
    ferry::amqp::connection c(ferry::amqp::url::parse(amqp_url));
    std::optional<ferry::amqp::delivery> got;
    ferry::test::wait_until([&] { return (got = ferry::amqp::get(c, q)).has_value(); }, timeout,
                            50ms);
    if (got) ferry::amqp::ack(c, got->delivery_tag);
    return got;
  }

  ferry::test::temp_dir dir;
  std::string db_path, attachments, spool, queue, amqp_url;
  std::vector<std::string> extra_queues;
};

/// A small MIME message with an HTML body (with a script) and one attachment.
inline std::string sample_mail(const std::string& message_id, const std::string& attachment,
                               const std::string& subject = "hello") {
  return "From: Ann <ann@b.example>\r\n"
         "To: user@test.example\r\n"
         "Subject: " +
         subject +
         "\r\n"
         "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
         "Message-ID: <" +
         message_id +
         ">\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: text/html; charset=utf-8\r\n"
         "\r\n"
         "<p onclick=\"x()\">Hi<script>alert(1)</script> <a "
         "href=\"javascript:evil()\">link</a></p>\r\n"
         "--b1\r\n"
         "Content-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; filename=\"../../etc/report.bin\"\r\n"
         "\r\n" +
         attachment + "\r\n--b1--\r\n";
}

}  // namespace email_test
