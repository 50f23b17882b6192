// The soak's worker processes, kept running the way systemd's Restart=always would: a process
// that exits is started again, and kill_random() SIGKILLs one (a crash, an OOM kill) and starts
// it again at once. Every process is stopped by stop_all() or the destructor.
//
// Thread safety: one thread only — the thread that outlives the children (the harness ties a
// child's PR_SET_PDEATHSIG to the thread that started it).
#pragma once

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ferry_test/process.hpp"

namespace soak {

struct process_spec {
  std::string name;  ///< e.g. "email-worker-1"; the log is <dir>/<name>.log
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

struct process_record {
  std::string name;
  int kills = 0;              ///< SIGKILLs sent by the soak
  int exits = 0;              ///< exits the soak did not cause (each restarted)
  std::string exit_statuses;  ///< their exit codes (128 + signal), e.g. "75, 75, 139"
};

class supervisor {
 public:
  explicit supervisor(std::string log_dir) : log_dir_(std::move(log_dir)) {}
  ~supervisor() { stop_all(); }
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  void add(process_spec spec);
  /// Starts what is not running; restarts (after a short pause) what exited on its own.
  void tend();
  /// SIGKILLs one process picked at random and starts it again; returns its name.
  std::string kill_random(std::mt19937_64& rng);
  /// SIGTERM every process (grace period, then SIGKILL) and reap it.
  void stop_all();

  [[nodiscard]] std::string log_file(const std::string& name) const;
  [[nodiscard]] std::vector<process_record> records() const;

 private:
  struct managed {
    process_spec spec;
    ferry::test::child_process proc;
    process_record record;
    std::chrono::steady_clock::time_point start_after{};
  };
  void start(managed& m);

  std::string log_dir_;
  std::vector<managed> procs_;
};

}  // namespace soak
