#include "queue_path.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <ferry/core/error.hpp>
#include <ferry/sql/session.hpp>

#include "soak_settings.hpp"
#include "tokens.hpp"

namespace soak {

using namespace std::chrono_literals;

namespace {

ferry::sql::session open_db(const std::string& path) {
  return ferry::sql::session(ferry::sql::database_url::parse("sqlite://" + path));
}

// Jobs whose index ends in 3 fail their first attempt on purpose, so retries happen.
bool fails_first(std::size_t index) {
  return index % 10 == 3;
}

}  // namespace

queue_path::queue_path(const std::string& redis_url, std::string db_path, std::string runs_log,
                       std::size_t jobs)
    : redis_(redis_options(redis_url)),
      queue_(redis_, queue_name, queue_options()),
      db_path_(std::move(db_path)),
      runs_log_(std::move(runs_log)),
      accepted_(jobs) {}

void queue_path::init_database() const {
  auto db = open_db(db_path_);
  // No UNIQUE(token): a second row for a token is a duplicate effect, which the soak counts.
  db.exec(
      "CREATE TABLE IF NOT EXISTS effects (token TEXT NOT NULL, job_id TEXT NOT NULL, "
      "worker TEXT NOT NULL)");
  db.exec("CREATE INDEX IF NOT EXISTS effects_token ON effects(token)");
}

void queue_path::produce(std::chrono::steady_clock::time_point start,
                         std::chrono::milliseconds window,
                         std::chrono::steady_clock::time_point give_up, const abort_flag& abort) {
  const std::size_t n = accepted_.size();
  for (std::size_t i = 0; i < n && !abort; ++i) {
    pace(i, n, start, window);
    const std::string token = make_token('j', i);
    const std::string payload = token + (fails_first(i) ? " 1" : " 0");
    // The dedup key makes a retried enqueue whose first try did reach Redis (reply lost in a
    // crash) return the pending job instead of adding a second one.
    const ferry::queue::enqueue_options opts{.max_attempts = max_attempts, .dedup_key = token};
    const bool accepted = offer_until_accepted(
        [&] {
          try {
            (void)queue_.enqueue(payload, opts);
            return true;
          } catch (const ferry::error&) {
            ++errors_;  // Redis down or loading: the producer was told "not accepted"
            return false;
          }
        },
        give_up, abort, 100ms);
    if (accepted) accepted_.mark(i);
  }
}

std::int64_t queue_path::accepted_so_far() const {
  return accepted_.count();
}

bool queue_path::drained() {
  try {
    const auto s = queue_.stats();
    return s.ready == 0 && s.in_flight == 0 && s.scheduled == 0;
  } catch (const ferry::error&) {
    return false;
  }
}

std::int64_t queue_path::completed_so_far() const {
  try {
    auto db = open_db(db_path_);
    return db.query_value<std::int64_t>("SELECT COUNT(DISTINCT token) FROM effects").value_or(0);
  } catch (const ferry::error&) {
    return 0;
  }
}

path_tally queue_path::tally() {
  const std::size_t n = accepted_.size();
  path_tally t;
  t.path = "Redis queue";
  t.offered = static_cast<std::int64_t>(n);
  t.accepted = accepted_so_far();
  t.twice = 0;

  std::vector<std::int64_t> effects(n, 0);
  auto db = open_db(db_path_);
  std::int64_t unaccepted_done = 0;
  for (const auto& [token, count] :
       db.query<std::string, std::int64_t>("SELECT token, COUNT(*) FROM effects GROUP BY token")) {
    if (auto i = token_index(token, 'j', n)) {
      effects[*i] = count;
      if (!accepted_[*i]) ++unaccepted_done;
    }
  }

  std::set<std::size_t> dead;
  for (std::size_t offset = 0;; offset += 500) {
    const auto page = queue_.list_dead(offset, 500);
    for (const auto& d : page) {
      std::istringstream in(d.payload);
      std::string token;
      in >> token;
      if (auto i = token_index(token, 'j', n)) dead.insert(*i);
    }
    if (page.size() < 500) break;
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (!accepted_[i]) continue;
    if (effects[i] > 0) {
      ++t.completed;
      if (effects[i] > 1) ++t.twice;
    } else if (dead.count(i) != 0) {
      ++t.dead;
    }
  }
  t.lost = t.accepted - t.completed - t.dead;

  // Runs: "<token> <job id> <attempt> <fail-first>". A job asks for one run, plus one when its
  // first attempt fails on purpose; everything beyond is at-least-once at work.
  std::map<std::size_t, std::int64_t> runs;
  std::int64_t designed_failures = 0;
  std::ifstream log(runs_log_);
  std::string token, id;
  int attempt = 0, fail_first = 0;
  while (log >> token >> id >> attempt >> fail_first) {
    auto i = token_index(token, 'j', n);
    if (!i) continue;
    ++t.runs;
    ++runs[*i];
    if (fail_first != 0 && attempt == 1) ++designed_failures;
  }
  t.repeated = t.runs - designed_failures - static_cast<std::int64_t>(runs.size());
  t.note = std::to_string(designed_failures) + " first attempts failed on purpose (retried); " +
           std::to_string(errors_.load()) + " enqueue calls refused during outages (retried)";
  if (unaccepted_done > 0) {
    t.note += "; " + std::to_string(unaccepted_done) +
              " jobs completed although their enqueue reported an error";
  }
  return t;
}

}  // namespace soak
