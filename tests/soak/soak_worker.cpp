// ferry-soak-worker — the Redis queue's job handler in the soak (tests/soak/README.md).
//
//   ferry-soak-worker REDIS_URL QUEUE DB_PATH RUNS_LOG
//
// A ferry::queue::worker whose handler does what a careful user's handler does, and leaves a
// trace of every run for the soak driver to count:
//   1. appends "<token> <job id> <attempt> <fail-first>" to RUNS_LOG (O_APPEND, one write per
//      line, so lines from several processes never interleave and a SIGKILL loses none);
//   2. throws on the first attempt of a job whose payload asks for it (a transient failure:
//      the queue schedules a retry);
//   3. records the job's effect in SQLite, idempotently: one INSERT ... WHERE NOT EXISTS on the
//      job's token, so a repeated run (at-least-once) never writes a second row. The table has
//      no UNIQUE constraint on purpose: a second row is a duplicate the soak counts.
// Payload: "<token> <fail-first 0|1>". SIGTERM/SIGINT stop the worker gracefully.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <ferry/core/error.hpp>
#include <ferry/queue/queue.hpp>
#include <ferry/queue/worker.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/redis/url.hpp>
#include <ferry/sql/session.hpp>

#include "soak_settings.hpp"

namespace {

using namespace std::chrono_literals;

struct payload {
  std::string token;
  bool fail_first = false;
};

payload parse_payload(const std::string& text) {
  std::istringstream in(text);
  payload p;
  int fail = 0;
  if (!(in >> p.token >> fail)) throw ferry::queue::permanent_failure("bad payload: " + text);
  p.fail_first = fail != 0;
  return p;
}

// One line per handler run, written with a single write(2) on an O_APPEND descriptor.
class runs_log {
 public:
  explicit runs_log(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~runs_log() { ::close(fd_); }
  runs_log(const runs_log&) = delete;
  runs_log& operator=(const runs_log&) = delete;

  void append(const std::string& line) const {
    const std::string text = line + "\n";
    if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error("cannot append to the runs log");
    }
  }

 private:
  int fd_;
};

// Retries a database statement through transient errors (SQLite busy while the other worker
// writes): those are not the job's failures, so they stay inside the handler.
template <class F>
void with_db_retries(F&& op) {
  for (int i = 0;; ++i) {
    try {
      op();
      return;
    } catch (const ferry::error& e) {
      if (!e.is_transient() || i >= 500) throw;
      std::this_thread::sleep_for(10ms);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: ferry-soak-worker REDIS_URL QUEUE DB_PATH RUNS_LOG\n";
    return 2;
  }
  const std::string queue_name = argv[2];
  const std::string db_url = std::string("sqlite://") + argv[3];
  try {
    // Block the stop signals before any thread starts, so only sigwait() below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    ferry::redis::client redis{soak::redis_options(argv[1])};
    ferry::queue::queue q{redis, queue_name, soak::queue_options()};
    const runs_log runs{argv[4]};
    const std::string me = std::to_string(::getpid());

    ferry::queue::worker w{
        q,
        [&](const ferry::queue::job& j) {
          const payload p = parse_payload(j.payload);
          runs.append(p.token + " " + j.id + " " + std::to_string(j.attempts) + " " +
                      (p.fail_first ? "1" : "0"));
          if (p.fail_first && j.attempts == 1) {
            throw std::runtime_error("soak: transient failure on the first attempt");
          }
          // One session per run keeps the handler thread-safe without a pool; SQLite opens
          // in microseconds.
          ferry::sql::session db(ferry::sql::database_url::parse(db_url));
          with_db_retries([&] {
            db.exec(
                "INSERT INTO effects(token, job_id, worker) SELECT :t, :j, :w "
                "WHERE NOT EXISTS (SELECT 1 FROM effects WHERE token = :t2)",
                p.token, j.id, me, p.token);
          });
        },
        {.concurrency = 2,
         .prefetch = 4,
         .lease = soak::queue_lease,
         .observer = ferry::observer::errors_to([](const std::exception& e, const auto&) {
           std::cerr << "ferry-soak-worker: redis: " << e.what() << std::endl;
         })}};
    w.start();
    int signal = 0;
    sigwait(&stop_signals, &signal);
    w.stop();
    return 0;
  } catch (const ferry::error& e) {
    std::cerr << "ferry-soak-worker: " << e.what() << "\n";
    return e.is_transient() ? 75 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ferry-soak-worker: " << e.what() << "\n";
    return 1;
  }
}
