// ferry-soak — runs ferry's three delivery paths at once against real servers while workers,
// Redis and RabbitMQ are killed, then counts what was accepted, completed, lost, written twice
// and run again (tests/soak/README.md, docs/reliability.md). scripts/soak builds and runs it.
//
// Processes (all restarted when they die, as systemd's Restart=always would):
//   2 ferry-soak-worker   Redis queue handlers        1 ferry-retry-worker  scheduler
//   2 ferry-email-worker  RabbitMQ → SQLite           2 ferry-celery-worker Celery tasks
// Producers (threads): queue::enqueue, ferry-ingest runs (two at a time), celery send_task.
// Faults (main thread, during the production window): SIGKILL of a random worker process every
// few seconds, kill -9 of Redis and of RabbitMQ at spread-out instants, each restarted on the
// same port and data directory.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "aof_tail.hpp"
#include "celery_path.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "mail_path.hpp"
#include "queue_path.hpp"
#include "soak_settings.hpp"
#include "supervisor.hpp"

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Ctrl-C or SIGTERM: stop producing, stop every process and server, remove the work dir.
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
  interrupted = true;
}

void check_interrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

struct settings {
  std::string appendfsync = "always";
  std::size_t jobs = 10000;
  std::size_t mails = 1000;
  std::size_t tasks = 5000;
  int seconds = 150;        // production window, during which faults happen
  int drain_seconds = 150;  // longest wait for the backlog after the window
  int stall_seconds = 45;   // the drain ends early when nothing completes for this long
  int kill_min_ms = 1500;
  int kill_max_ms = 4000;
  int redis_kills = 3;
  int rabbitmq_kills = 2;
  unsigned long seed = 0;
  std::string report;  // append the table here too
  bool keep = false;
  bool power_loss = false;  // at each Redis kill, also drop the last second of the AOF
};

class stopwatch {
 public:
  [[nodiscard]] std::string stamp() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "[%6.1fs]",
                  std::chrono::duration<double>(steady::now() - t0_).count());
    return buf;
  }
  /// One line of the run's log, stamped with the time since the start.
  void say(const std::string& line) const { std::cout << stamp() << " " << line << std::endl; }

 private:
  steady::time_point t0_ = steady::now();
};

// Joins the producer threads on every exit path; aborts them first when unwinding.
class producers {
 public:
  explicit producers(soak::abort_flag& abort) : abort_(abort) {}
  ~producers() {
    if (!threads_.empty()) abort_ = true;
    join();
  }
  producers(const producers&) = delete;
  producers& operator=(const producers&) = delete;

  template <class F>
  void spawn(F&& f) {
    ++running_;
    threads_.emplace_back([this, f = std::forward<F>(f)] {
      try {
        f();
      } catch (const std::exception& e) {
        std::cerr << "ferry-soak: producer failed: " << e.what() << std::endl;
        abort_ = true;
      }
      --running_;
    });
  }
  [[nodiscard]] int running() const { return running_; }
  void join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  soak::abort_flag& abort_;
  std::atomic<int> running_{0};
  std::vector<std::thread> threads_;
};

std::string row(const soak::path_tally& t) {
  const auto twice = t.twice < 0 ? std::string("n/a") : std::to_string(t.twice);
  return "| " + t.path + " | " + std::to_string(t.accepted) + " / " + std::to_string(t.offered) +
         " | " + std::to_string(t.completed) + " | " + std::to_string(t.dead) + " | " +
         std::to_string(t.lost) + " | " + twice + " | " + std::to_string(t.repeated) + " of " +
         std::to_string(t.runs) + " |";
}

// The deployment's seven worker processes: two of each worker, one retry worker.
void add_workers(soak::supervisor& sup, const std::string& dir,
                 const ferry::test::redis_server& redis,
                 const ferry::test::rabbitmq_server& rabbit) {
  for (int k = 1; k <= 2; ++k) {
    const auto n = std::to_string(k);
    sup.add(
        {"soak-worker-" + n,
         {FERRY_SOAK_WORKER, redis.url(0), soak::queue_name, dir + "/jobs.db", dir + "/runs.log"},
         {}});
    sup.add({"email-worker-" + n,
             {FERRY_SOAK_EMAIL_WORKER, "-v", "--amqp-url", rabbit.url(), "--queue", "email_soak",
              "--db-url", "sqlite://" + dir + "/mail.db", "--attachments", dir + "/attachments",
              "--max-attempts", "10", "--retry-base-seconds", "0.5"},
             {{"REDIS_URL", ""}}});
    sup.add(
        {"celery-worker-" + n,
         {FERRY_SOAK_CELERY_WORKER, "--broker-url", redis.url(1), "--backend", redis.url(2), "-Q",
          "soak_celery", "-c", "2", "--prefetch", "8", "--acks-late", "--test-tasks",
          "--visibility-timeout", "10", "--restore-interval", "2", "-n", "soak" + n + "@localhost"},
         {}});
  }
  sup.add({"retry-worker",
           {FERRY_SOAK_RETRY_WORKER, "--no-admin", "--redis-url", redis.url(0), "--queues",
            soak::queue_name, "--max-sleep-seconds", "1"},
           {{"MAX_RETRY_ATTEMPTS", std::to_string(soak::max_attempts)}}});
}

struct fault_counts {
  int worker_kills = 0, redis_crashes = 0, rabbitmq_crashes = 0;
  std::uintmax_t aof_dropped = 0;  // bytes, in all simulated power losses
};

// The faults of the production window: worker SIGKILLs at random intervals, Redis and RabbitMQ
// crashes at fixed fractions of the window, spread out.
class fault_injector {
 public:
  fault_injector(const settings& s, std::mt19937_64& rng, const stopwatch& clock,
                 soak::supervisor& sup, ferry::test::redis_server& redis,
                 ferry::test::rabbitmq_server& rabbit, std::optional<soak::aof_tail>& aof,
                 steady::time_point start, std::chrono::milliseconds window)
      : rng_(rng),
        clock_(clock),
        sup_(sup),
        redis_(redis),
        rabbit_(rabbit),
        aof_(aof),
        end_(start + window),
        kill_gap_{s.kill_min_ms, s.kill_max_ms},
        next_kill_(start + std::chrono::milliseconds(kill_gap_(rng))) {
    for (int k = 0; k < s.redis_kills; ++k) {
      server_faults_.push_back({start + window * (2 * k + 1) / (2 * s.redis_kills), true});
    }
    for (int k = 0; k < s.rabbitmq_kills; ++k) {
      server_faults_.push_back({start + window * (4 * k + 2) / (4 * s.rabbitmq_kills), false});
    }
    std::sort(server_faults_.begin(), server_faults_.end(),
              [](auto& a, auto& b) { return a.at < b.at; });
  }

  /// Does what is due at `now`; nothing after the window.
  void tick(steady::time_point now) {
    if (now >= end_) return;
    if (now >= next_kill_) {
      const auto who = sup_.kill_random(rng_);
      ++counts_.worker_kills;
      clock_.say("SIGKILL " + who);
      next_kill_ = now + std::chrono::milliseconds(kill_gap_(rng_));
    }
    if (next_fault_ < server_faults_.size() && now >= server_faults_[next_fault_].at) {
      if (server_faults_[next_fault_].redis) {
        crash_redis();
      } else {
        crash_rabbitmq();
      }
      ++next_fault_;
    }
  }

  [[nodiscard]] const fault_counts& counts() const noexcept { return counts_; }

 private:
  struct server_fault {
    steady::time_point at;
    bool redis;
  };

  void crash_redis() {
    const auto down = std::chrono::milliseconds(redis_down_(rng_));
    redis_.kill();
    clock_.say("kill -9 redis-server; down for " + std::to_string(down.count()) + " ms");
    if (aof_) {
      const auto dropped = aof_->drop_last(1s);
      counts_.aof_dropped += dropped;
      clock_.say("simulated power loss: dropped the last second of the AOF (" +
                 std::to_string(dropped) + " bytes)");
    }
    std::this_thread::sleep_for(down);
    redis_.start();
    ++counts_.redis_crashes;
    clock_.say("redis-server back (AOF loaded)");
  }

  void crash_rabbitmq() {
    rabbit_.kill();
    clock_.say("kill -9 rabbitmq-server");
    std::this_thread::sleep_for(1s);
    rabbit_.start();
    ++counts_.rabbitmq_crashes;
    clock_.say("rabbitmq-server back");
  }

  std::mt19937_64& rng_;
  const stopwatch& clock_;
  soak::supervisor& sup_;
  ferry::test::redis_server& redis_;
  ferry::test::rabbitmq_server& rabbit_;
  std::optional<soak::aof_tail>& aof_;
  steady::time_point end_;
  std::uniform_int_distribution<int> kill_gap_;
  std::uniform_int_distribution<int> redis_down_{300, 2000};
  steady::time_point next_kill_;
  std::vector<server_fault> server_faults_;
  std::size_t next_fault_ = 0;
  fault_counts counts_;
};

// Every worker up, no more faults: waits until each path has settled, stalls or the drain time
// is up.
void drain(const settings& s, const stopwatch& clock, soak::supervisor& sup, soak::queue_path& jobs,
           soak::mail_path& mails, soak::celery_path& tasks) {
  const auto drain_start = steady::now();
  std::int64_t last_done = -1;
  auto last_progress = drain_start;
  for (;;) {
    check_interrupted();
    sup.tend();
    const auto now = steady::now();
    const bool settled = jobs.drained() && mails.drained() && tasks.drained();
    const auto done = jobs.completed_so_far() + mails.completed_so_far() + tasks.completed_so_far();
    if (done != last_done) {
      last_done = done;
      last_progress = now;
    }
    if (settled) {
      clock.say("drained");
      return;
    }
    if (now - last_progress > std::chrono::seconds(s.stall_seconds)) {
      clock.say("no progress for " + std::to_string(s.stall_seconds) +
                " s; counting what is there");
      return;
    }
    if (now - drain_start > std::chrono::seconds(s.drain_seconds)) {
      clock.say("drain time is up; counting what is there");
      return;
    }
    std::this_thread::sleep_for(1s);
  }
}

// The run's summary: the faults, the table of the paths, their notes and the processes that
// exited by themselves.
std::string report(const settings& s, const fault_counts& faults, bool power_loss,
                   const std::vector<soak::path_tally>& table, const soak::supervisor& sup) {
  std::string out;
  out += "Redis `appendonly yes`, `appendfsync " + s.appendfsync + "`; " +
         std::to_string(faults.worker_kills) + " worker SIGKILLs, " +
         std::to_string(faults.redis_crashes) + " Redis kill -9" +
         (power_loss ? " (each a simulated power loss: " + std::to_string(faults.aof_dropped) +
                           " AOF bytes dropped in all)"
                     : std::string()) +
         ", " + std::to_string(faults.rabbitmq_crashes) + " RabbitMQ kill -9 in " +
         std::to_string(s.seconds) + " s.\n\n";
  out +=
      "| path | accepted / offered | completed | dead-lettered | lost | twice in DB | "
      "handler runs repeated |\n|---|---|---|---|---|---|---|\n";
  for (const auto& t : table) out += row(t) + "\n";
  out += "\n";
  for (const auto& t : table) out += "- " + t.path + ": " + t.note + "\n";
  std::string exits;
  for (const auto& r : sup.records()) {
    if (r.exits > 0) exits += " " + r.name + " (" + r.exit_statuses + ");";
  }
  out += "- processes that exited without being killed:" + (exits.empty() ? " none" : exits) + "\n";
  return out;
}

// A path lost or duplicated what its configuration promises to keep.
bool promise_broken(const settings& s, const std::vector<soak::path_tally>& table) {
  for (const auto& t : table) {
    // Under everysec nothing Redis carries is promised (the queue's and Celery's messages).
    const bool promised = t.path.rfind("email", 0) == 0 || s.appendfsync == "always";
    if (promised && (t.lost != 0 || t.twice > 0)) return true;
  }
  return false;
}

int run(const settings& s) {
  stopwatch clock;
  std::mt19937_64 rng{s.seed != 0 ? s.seed : std::random_device{}()};

  ferry::test::temp_dir work("ferry-soak");
  const std::string dir = work.path();
  if (s.keep) work.release();
  clock.say("work dir " + dir + (s.keep ? " (kept)" : ""));
  ferry::test::redis_server redis(
      {.args = {}, .appendonly = true, .appendfsync = s.appendfsync, .detached = false, .port = 0});
  clock.say("redis-server on port " + std::to_string(redis.port()) +
            ", appendonly yes, appendfsync " + s.appendfsync);
  std::optional<soak::aof_tail> aof;
  if (s.power_loss) aof.emplace(redis.dir());
  ferry::test::rabbitmq_server rabbit;
  clock.say("rabbitmq-server on port " + std::to_string(rabbit.port()));

  soak::queue_path jobs(redis.url(0), dir + "/jobs.db", dir + "/runs.log", s.jobs);
  jobs.init_database();
  soak::mail_path mails({.ingest = FERRY_SOAK_INGEST,
                         .amqp_url = rabbit.url(),
                         .queue = "email_soak",
                         .db_path = dir + "/mail.db",
                         .spool_dir = dir + "/spool",
                         .work_dir = dir,
                         .mails = s.mails});
  mails.init_database();
  soak::celery_path tasks(redis.url(1), redis.url(2), "soak_celery", s.tasks);

  soak::supervisor sup(dir);
  add_workers(sup, dir, redis, rabbit);
  sup.tend();
  clock.say("7 worker processes started");

  soak::abort_flag abort{false};
  const auto window = std::chrono::milliseconds(std::chrono::seconds(s.seconds));
  const auto start = steady::now() + 2s;
  const auto give_up = start + window + std::chrono::seconds(s.drain_seconds);
  producers prod(abort);
  prod.spawn([&] { jobs.produce(start, window, give_up, abort); });
  prod.spawn([&] { tasks.produce(start, window, give_up, abort); });
  // Two deliveries at a time, as Postfix runs several pipe(8) processes.
  for (std::size_t share = 0; share < 2; ++share) {
    prod.spawn([&, share] { mails.produce(share, 2, start, window, give_up, abort); });
  }

  fault_injector faults(s, rng, clock, sup, redis, rabbit, aof, start, window);
  auto next_report = start + 10s;
  while (prod.running() > 0 && !abort) {
    check_interrupted();
    sup.tend();
    const auto now = steady::now();
    faults.tick(now);
    if (now >= next_report) {
      clock.say("accepted: jobs " + std::to_string(jobs.accepted_so_far()) + ", mails " +
                std::to_string(mails.accepted_so_far()) + ", tasks " +
                std::to_string(tasks.accepted_so_far()));
      next_report = now + 15s;
    }
    std::this_thread::sleep_for(100ms);
  }
  prod.join();
  if (abort) throw std::runtime_error("a producer failed; see above");
  clock.say("producers done; draining");

  drain(s, clock, sup, jobs, mails, tasks);
  sup.stop_all();

  std::vector<std::string> email_logs, celery_logs;
  for (const auto* n : {"1", "2"}) {
    email_logs.push_back(sup.log_file(std::string("email-worker-") + n));
    celery_logs.push_back(sup.log_file(std::string("celery-worker-") + n));
  }
  const std::vector<soak::path_tally> table{jobs.tally(), mails.tally(email_logs),
                                            tasks.tally(celery_logs)};
  const std::string out = report(s, faults.counts(), aof.has_value(), table, sup);
  std::cout << "\n" << out << std::flush;
  if (!s.report.empty()) std::ofstream(s.report, std::ios::app) << out << "\n";
  return promise_broken(s, table) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry-soak: ferry's delivery paths under faults (see docs/reliability.md)"};
  settings s;
  app.add_option("--appendfsync", s.appendfsync, "Redis AOF fsync policy")
      ->check(CLI::IsMember({"always", "everysec"}));
  app.add_option("--jobs", s.jobs, "jobs through the Redis queue");
  app.add_option("--mails", s.mails, "mails through ingest → RabbitMQ → email workers");
  app.add_option("--tasks", s.tasks, "Celery tasks through ferry-celery-worker");
  app.add_option("--seconds", s.seconds, "production window (faults happen during it)");
  app.add_option("--drain-seconds", s.drain_seconds, "longest wait for the backlog afterwards");
  app.add_option("--stall-seconds", s.stall_seconds,
                 "stop draining after this long without progress");
  app.add_option("--kill-min-ms", s.kill_min_ms, "shortest gap between worker SIGKILLs");
  app.add_option("--kill-max-ms", s.kill_max_ms, "longest gap between worker SIGKILLs");
  app.add_option("--redis-kills", s.redis_kills, "kill -9 of Redis during the window");
  app.add_option("--rabbitmq-kills", s.rabbitmq_kills, "kill -9 of RabbitMQ during the window");
  app.add_option("--seed", s.seed, "random seed (0: random)");
  app.add_option("--report", s.report, "also append the table to this file");
  app.add_flag("--keep", s.keep, "keep the work directory (logs, databases)");
  app.add_flag("--simulate-power-loss", s.power_loss,
               "at each Redis kill also drop the AOF's last second of writes (what a power cut "
               "can cost with appendfsync everysec)");
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, on_interrupt);
  ::signal(SIGTERM, on_interrupt);
  try {
    return run(s);
  } catch (const std::exception& e) {
    std::cerr << "ferry-soak: " << e.what() << std::endl;
    return 2;
  }
}
