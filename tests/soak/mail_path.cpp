#include "mail_path.hpp"

#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <ferry/core/error.hpp>
#include <ferry/sql/session.hpp>

#include "common/mail_store.hpp"
#include "ferry_test/process.hpp"
#include "tokens.hpp"

namespace soak {

using namespace std::chrono_literals;

namespace {

ferry::sql::session open_db(const std::string& path) {
  return ferry::sql::session(ferry::sql::database_url::parse("sqlite://" + path));
}

// The token of a raw mail: the value of its X-Soak-Token header.
std::string token_of(const std::string& raw) {
  static const std::string header = "X-Soak-Token: ";
  const auto at = raw.find(header);
  if (at == std::string::npos) return "";
  const auto from = at + header.size();
  return raw.substr(from, raw.find_first_of("\r\n", from) - from);
}

}  // namespace

mail_path::mail_path(mail_path_settings settings)
    : s_(std::move(settings)), salt_(std::to_string(std::random_device{}())), accepted_(s_.mails) {}

void mail_path::init_database() const {
  auto db = open_db(s_.db_path);
  ferry::apps::mail_store(db).init_schema();
}

std::string mail_path::mail_text(std::size_t index) const {
  const std::string token = make_token('m', index);
  // Distinct Message-ID, distinct body: no two soak mails may be merged by any de-duplication.
  std::mt19937_64 rng{index * 7919 + 17};
  std::string noise;
  for (int k = 0; k < 8; ++k) noise += std::to_string(rng()) + " ";
  return "From: Soak Sender <sender@soak.example>\r\n"
         "To: rcpt" +
         std::to_string(index % 20) +
         "@soak.example\r\n"
         "Subject: soak mail " +
         token +
         "\r\n"
         "Message-ID: <" +
         token + "." + salt_ +
         "@soak.example>\r\n"
         "Date: Sat, 05 Dec 2026 00:00:00 +0000\r\n"
         "X-Soak-Token: " +
         token +
         "\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "Mail " +
         token + " of the soak.\r\n" + noise + "\r\n";
}

int mail_path::run_ingest(const std::string& mail_file, std::size_t index,
                          const std::string& log) const {
  ferry::test::child_process p(
      {s_.ingest, "--db-url", "sqlite://" + s_.db_path, "--amqp-url", s_.amqp_url, "--queue",
       s_.queue, "--spool-dir", s_.spool_dir, "--confirm-timeout-ms", "10000",
       "sender@soak.example", "rcpt" + std::to_string(index % 20) + "@soak.example"},
      {.env = {}, .log_file = log, .detached = false, .stdin_file = mail_file});
  if (!p.wait_for_exit(60s)) {
    p.terminate(1s);
    return -1;
  }
  return p.exit_code().value_or(-1);
}

void mail_path::produce(std::size_t share, std::size_t shares,
                        std::chrono::steady_clock::time_point start,
                        std::chrono::milliseconds window,
                        std::chrono::steady_clock::time_point give_up, const abort_flag& abort) {
  const std::string mail_file = s_.work_dir + "/mail." + std::to_string(share) + ".eml";
  const std::string log = s_.work_dir + "/ingest-" + std::to_string(share) + ".log";
  for (std::size_t i = share; i < s_.mails && !abort; i += shares) {
    pace(i, s_.mails, start, window);
    { std::ofstream(mail_file, std::ios::binary | std::ios::trunc) << mail_text(i); }
    const bool accepted = offer_until_accepted(
        [&] {
          if (run_ingest(mail_file, i, log) == 0) return true;
          ++tempfails_;  // Postfix keeps the mail and tries again later
          return false;
        },
        give_up, abort, 1s);
    if (accepted) accepted_.mark(i);
  }
}

std::int64_t mail_path::accepted_so_far() const {
  return accepted_.count();
}

bool mail_path::drained() const {
  try {
    auto db = open_db(s_.db_path);
    const auto settled = db.query_value<std::int64_t>(
        "SELECT COUNT(*) FROM messages WHERE status IN ('processed', 'failed')");
    return settled.value_or(0) >= accepted_so_far();
  } catch (const ferry::error&) {
    return false;
  }
}

std::int64_t mail_path::completed_so_far() const {
  try {
    auto db = open_db(s_.db_path);
    return db.query_value<std::int64_t>("SELECT COUNT(*) FROM messages WHERE status = 'processed'")
        .value_or(0);
  } catch (const ferry::error&) {
    return 0;
  }
}

path_tally mail_path::tally(const std::vector<std::string>& worker_logs) const {
  const std::size_t n = s_.mails;
  path_tally t;
  t.path = "email (ingest → RabbitMQ → 2 workers → SQLite)";
  t.offered = static_cast<std::int64_t>(n);
  t.accepted = accepted_so_far();
  t.twice = 0;

  struct per_token {
    std::int64_t rows = 0, processed = 0, failed = 0;
  };
  std::vector<per_token> seen(n);
  std::map<std::int64_t, std::size_t> row_token;  // messages.id → token index
  auto db = open_db(s_.db_path);
  std::int64_t foreign_rows = 0;
  for (const auto& [id, raw, status] : db.query<std::int64_t, std::string, std::string>(
           "SELECT id, COALESCE(raw, ''), status FROM messages")) {
    const auto i = token_index(token_of(raw), 'm', n);
    if (!i) {
      ++foreign_rows;
      continue;
    }
    row_token[id] = *i;
    ++seen[*i].rows;
    if (status == "processed") ++seen[*i].processed;
    if (status == "failed") ++seen[*i].failed;
  }
  std::int64_t unaccepted_rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (seen[i].rows > 1) ++t.twice;
    if (!accepted_[i]) {
      if (seen[i].rows > 0) ++unaccepted_rows;
      continue;
    }
    if (seen[i].processed > 0) {
      ++t.completed;
    } else if (seen[i].failed > 0) {
      ++t.dead;
    }
  }
  t.lost = t.accepted - t.completed - t.dead;

  // A delivery that the worker handled: "message N processed" or "message N already processed".
  static const std::regex handled{R"(message (\d+) (already )?processed)"};
  const auto runs =
      count_log_runs(worker_logs, handled, [&](const std::smatch& m) -> std::optional<std::size_t> {
        const auto row = row_token.find(std::stoll(m[1].str()));
        if (row == row_token.end()) return std::nullopt;
        return row->second;
      });
  t.runs = total_runs(runs);
  t.repeated = t.runs - static_cast<std::int64_t>(runs.size());
  t.note = std::to_string(tempfails_.load()) +
           " ingest runs exited non-zero (retried, as Postfix would)";
  if (unaccepted_rows > 0) {
    t.note += "; " + std::to_string(unaccepted_rows) + " mails recorded although never accepted";
  }
  if (foreign_rows > 0) t.note += "; " + std::to_string(foreign_rows) + " rows without a token";
  return t;
}

}  // namespace soak
