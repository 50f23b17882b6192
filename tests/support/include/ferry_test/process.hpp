// ferry_test/process.hpp — child processes and scratch directories for the test harness.
//
// `child_process` runs a program in its own process group, so stopping it also stops whatever
// it forked (RabbitMQ's launcher script forks the Erlang VM). Unless started detached, the
// group is killed when the test process exits or crashes (see `install_crash_cleanup`), so a
// failing test never leaves a server behind.
//
// Thread safety: thread-compatible; start and stop servers from the thread that owns them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::test {

/// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "ferry-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  temp_dir(temp_dir&& other) noexcept;
  temp_dir& operator=(temp_dir&&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Keeps the directory on destruction (for detached servers that outlive this object).
  void release() noexcept { path_.clear(); }

 private:
  std::string path_;
};

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
[[nodiscard]] int free_port();

/// The absolute path of `program` on PATH, or "" when it is not installed.
[[nodiscard]] std::string find_program(const std::string& program);

struct spawn_options {
  std::map<std::string, std::string> env;  ///< Added to (or replacing) the inherited environment.
  std::string log_file;                    ///< stdout and stderr go here ("" = /dev/null).
  bool detached = false;  ///< Outlive this process (CTest fixtures); no crash cleanup.
};

/// A running program in its own process group.
class child_process {
 public:
  child_process() = default;
  child_process(const std::vector<std::string>& argv, const spawn_options& options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool running();
  /// Sends `signal` to the whole process group.
  void signal_group(int signal) const;
  /// Waits up to `timeout` for the child to exit; true when it has.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  /// Its exit code (128 + the signal when a signal ended it) once running() or wait_for_exit()
  /// saw it exit; nullopt before.
  [[nodiscard]] std::optional<int> exit_code() const noexcept { return exit_code_; }
  /// SIGTERM, wait up to `grace`, then SIGKILL the group; reaps the child.
  void terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// Forgets the child without stopping it (detached servers).
  void release() noexcept;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::optional<int> exit_code_;
};

/// Runs a command to completion and returns its stdout; throws std::runtime_error on a
/// non-zero exit when `check` is true.
std::string run_command(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env = {}, bool check = true);

/// Polls `ready` every `interval` until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace ferry::test
