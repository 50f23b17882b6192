#include "ferry_test/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

extern char** environ;

namespace ferry::test {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string temp_root() {
  const char* tmp = std::getenv("TMPDIR");
  return (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
}

// Everything the forked child needs, built before fork() so the child only makes syscalls.
struct exec_image {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;

  exec_image(const std::vector<std::string>& command,
             const std::map<std::string, std::string>& extra)
      : args(command) {
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      const auto name = entry.substr(0, entry.find('='));
      if (extra.find(name) == extra.end()) env.push_back(entry);
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

// Starts the image with stdout and stderr on `out_fd` (which the caller keeps and closes).
pid_t spawn(const exec_image& image, int out_fd, bool detached) {
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw_errno("open /dev/null");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(null_fd);
    throw_errno("fork");
  }
  if (pid == 0) {
    // Own process group: stopping the server stops everything it forked.
    if (detached) {
      ::setsid();
    } else {
      ::setpgid(0, 0);
      // Die with the test process, even when it crashes. Survives execve.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execve(image.argv[0], image.argv.data(), image.envp.data());
    ::_exit(127);
  }
  if (!detached) ::setpgid(pid, pid);  // also here, so the group exists before we signal it
  ::close(null_fd);
  return pid;
}

int open_log(const std::string& log_file) {
  const int fd = log_file.empty()
                     ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                     : ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + log_file);
  return fd;
}

}  // namespace

temp_dir::temp_dir(const std::string& prefix) {
  std::string pattern = temp_root() + "/" + prefix + ".XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
  path_ = pattern;
}

temp_dir::~temp_dir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

temp_dir::temp_dir(temp_dir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw_errno("bind to a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return ::access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin:/usr/lib/rabbitmq/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const auto candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

child_process::child_process(const std::vector<std::string>& argv, const spawn_options& options) {
  if (argv.empty()) throw std::invalid_argument("child_process: empty command");
  auto command = argv;
  const auto resolved = find_program(command[0]);
  if (resolved.empty()) throw std::runtime_error(command[0] + " is not installed (not on PATH)");
  command[0] = resolved;
  const exec_image image(command, options.env);
  const int log_fd = open_log(options.log_file);
  try {
    pid_ = spawn(image, log_fd, options.detached);
  } catch (...) {
    ::close(log_fd);
    throw;
  }
  ::close(log_fd);
}

child_process::~child_process() {
  if (pid_ > 0) terminate(std::chrono::seconds(5));
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), reaped_(other.reaped_), exit_code_(other.exit_code_) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) terminate(std::chrono::seconds(5));
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = other.reaped_;
    exit_code_ = other.exit_code_;
  }
  return *this;
}

bool child_process::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void child_process::signal_group(int signal) const {
  if (pid_ > 0) ::kill(-pid_, signal);
}

bool child_process::wait_for_exit(std::chrono::milliseconds timeout) {
  return wait_until([this] { return !running(); }, timeout, std::chrono::milliseconds(10));
}

void child_process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (running()) {
    signal_group(SIGTERM);
    if (!wait_for_exit(grace)) {
      signal_group(SIGKILL);
      wait_for_exit(std::chrono::seconds(10));
    }
  }
  // Leftovers in the group (helpers the server forked) go too.
  signal_group(SIGKILL);
  pid_ = -1;
  reaped_ = false;
}

void child_process::release() noexcept {
  pid_ = -1;
  reaped_ = false;
}

std::string run_command(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env, bool check) {
  if (argv.empty()) throw std::invalid_argument("run_command: empty command");
  auto command = argv;
  const auto resolved = find_program(command[0]);
  if (resolved.empty()) throw std::runtime_error(command[0] + " is not installed (not on PATH)");
  command[0] = resolved;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  const exec_image image(command, env);
  pid_t pid = -1;
  try {
    pid = spawn(image, fds[1], false);
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n > 0) {
      out.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (check && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    std::string joined;
    for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + a;
    throw std::runtime_error("command failed (status " + std::to_string(status) + "): " + joined +
                             "\n" + out);
  }
  return out;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace ferry::test
