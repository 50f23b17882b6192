#include "celery_path.hpp"

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <ferry/celery/protocol/json.hpp>
#include <ferry/celery/redis/backend.hpp>
#include <ferry/celery/redis/broker.hpp>
#include <ferry/core/error.hpp>
#include <ferry/redis/client.hpp>

#include "soak_settings.hpp"

namespace soak {

using namespace std::chrono_literals;
namespace fc = ferry::celery;

namespace {

constexpr long long addend = 1000000;  // tasks.add(i, addend) must return i + addend

std::shared_ptr<ferry::redis::client> redis_at(const std::string& url) {
  return std::make_shared<ferry::redis::client>(redis_options(url));
}

}  // namespace

celery_path::celery_path(const std::string& broker_url, const std::string& backend_url,
                         std::string queue, std::size_t tasks)
    : backend_redis_(redis_at(backend_url)),
      client_(std::make_shared<fc::redis::broker>(redis_at(broker_url)),
              std::make_shared<fc::redis::backend>(backend_redis_)),
      queue_(std::move(queue)),
      accepted_(tasks) {
  char salt[9];
  std::snprintf(salt, sizeof salt, "%08x", std::random_device{}());
  salt_ = salt;
}

std::string celery_path::task_id(std::size_t index) const {
  char id[40];
  std::snprintf(id, sizeof id, "%s-50a4-4000-8000-%012zu", salt_.c_str(), index);
  return id;
}

void celery_path::produce(std::chrono::steady_clock::time_point start,
                          std::chrono::milliseconds window,
                          std::chrono::steady_clock::time_point give_up, const abort_flag& abort) {
  const std::size_t n = accepted_.size();
  for (std::size_t i = 0; i < n && !abort; ++i) {
    pace(i, n, start, window);
    fc::send_options o;
    o.queue = queue_;
    o.task_id = task_id(i);
    const bool accepted = offer_until_accepted(
        [&] {
          try {
            (void)client_.send_task("tasks.add",
                                    fc::json::array({static_cast<long long>(i), addend}),
                                    fc::json::object(), o);
            return true;
          } catch (const ferry::error&) {
            ++errors_;  // not accepted: send again (same task id)
            return false;
          }
        },
        give_up, abort, 100ms);
    if (accepted) accepted_.mark(i);
  }
}

std::int64_t celery_path::accepted_so_far() const {
  return accepted_.count();
}

std::vector<int> celery_path::results() {
  const std::size_t n = accepted_.size();
  std::vector<int> out(n, 0);
  constexpr std::size_t batch = 500;
  for (std::size_t from = 0; from < n; from += batch) {
    std::vector<std::string> cmd{"MGET"};
    for (std::size_t i = from; i < std::min(n, from + batch); ++i) {
      cmd.push_back("celery-task-meta-" + task_id(i));
    }
    const auto reply = backend_redis_->command(cmd);
    const auto& values = reply.elements();
    for (std::size_t k = 0; k < values.size(); ++k) {
      const auto text = values[k].as_optional_string();
      if (!text) continue;
      const auto meta = fc::protocol::parse_json(*text, "result meta");
      const auto status = meta.value("status", std::string());
      if (status == "SUCCESS" &&
          meta.value("result", fc::json()) == fc::json(static_cast<long long>(from + k) + addend)) {
        out[from + k] = 1;
      } else if (status == "FAILURE") {
        out[from + k] = 2;
      }
    }
  }
  return out;
}

bool celery_path::drained() {
  try {
    const auto r = results();
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (accepted_[i] && r[i] == 0) return false;
    }
    return true;
  } catch (const ferry::error&) {
    return false;
  }
}

std::int64_t celery_path::completed_so_far() {
  try {
    std::int64_t done = 0;
    for (int r : results()) done += r == 1 ? 1 : 0;
    return done;
  } catch (const ferry::error&) {
    return 0;
  }
}

path_tally celery_path::tally(const std::vector<std::string>& worker_logs) {
  const std::size_t n = accepted_.size();
  path_tally t;
  t.path = "Celery (ferry-celery-worker, Redis broker)";
  t.offered = static_cast<std::int64_t>(n);
  t.accepted = accepted_so_far();
  const auto r = results();
  for (std::size_t i = 0; i < n; ++i) {
    if (!accepted_[i]) continue;
    if (r[i] == 1) ++t.completed;
    if (r[i] == 2) ++t.dead;
  }
  t.lost = t.accepted - t.completed - t.dead;

  const std::regex succeeded{"Task tasks\\.add\\[" + salt_ +
                             R"(-50a4-4000-8000-(\d{12})\] succeeded)"};
  const auto runs = count_log_runs(
      worker_logs, succeeded, [&](const std::smatch& m) -> std::optional<std::size_t> {
        const auto i = static_cast<std::size_t>(std::stoull(m[1].str()));
        if (i >= n) return std::nullopt;
        return i;
      });
  t.runs = total_runs(runs);
  t.repeated = t.runs - static_cast<std::int64_t>(runs.size());
  t.note = std::to_string(errors_.load()) + " send_task calls refused during outages (retried)";
  // A task counted lost may have run: its result was written to a Redis that then lost it.
  std::int64_t ran_without_result = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (accepted_[i] && r[i] == 0 && runs.count(i) != 0) ++ran_without_result;
  }
  if (ran_without_result > 0) {
    t.note += "; " + std::to_string(ran_without_result) +
              " of the lost tasks did run (their results are what was lost)";
  }
  return t;
}

}  // namespace soak
