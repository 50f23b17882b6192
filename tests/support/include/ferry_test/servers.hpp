// ferry_test/servers.hpp — real redis-server and rabbitmq-server instances for tests.
//
// Each server runs on free 127.0.0.1 ports in a fresh temporary directory, is ready (answers
// its protocol) when the constructor returns, and is stopped and deleted by the destructor.
// Fault-injection tests stop, kill -9 and restart a server on the same port and directory.
//
//   ferry::test::redis_server redis;            // redis-server on a free port
//   auto client = ferry::redis::client(redis.url());
//   redis.kill();                              // SIGKILL, as a crash would
//   redis.start();                             // same port, same data directory
//
// Servers die with the test process, even when it crashes (PR_SET_PDEATHSIG), unless the
// server was started detached (the `ferry-test-server` tool, for CTest fixtures and scripts).
// That signal follows the *thread* that started the server: start servers from the thread
// that outlives them (Catch2's main thread).
//
// Thread safety: thread-compatible; the shared_*_url() functions are thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry_test/process.hpp"

namespace ferry::test {

struct redis_server_options {
  std::vector<std::string> args;  ///< Extra redis-server arguments, e.g. {"--requirepass", "pw"}.
  bool appendonly = false;        ///< AOF persistence (restarts keep the data).
  std::string appendfsync = "everysec";
  bool detached = false;  ///< Outlive this process (ferry-test-server).
  int port = 0;           ///< 0 = pick a free port.
};

/// A redis-server on 127.0.0.1 (DEBUG enabled, a unix socket in its directory).
class redis_server {
 public:
  explicit redis_server(redis_server_options options = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  /// redis://127.0.0.1:PORT/DB, without credentials.
  [[nodiscard]] std::string url(int db = 0) const;
  [[nodiscard]] std::string unix_socket() const { return dir_.path() + "/redis.sock"; }
  [[nodiscard]] const std::string& dir() const noexcept { return dir_.path(); }
  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }

  /// SIGTERM and wait: Redis flushes its AOF (if on) and exits.
  void stop();
  /// SIGKILL: no chance to flush, as in a crash.
  void kill();
  /// Starts again on the same port with the same directory; waits until it answers.
  void start();
  void restart();
  /// Runs redis-cli against this server (with the password given in args, if any) and
  /// returns its output, e.g. cli({"DBSIZE"}).
  std::string cli(const std::vector<std::string>& args) const;
  /// Leaves the server running after this object is gone (detached servers only).
  void release();

 private:
  bool answers() const;

  redis_server_options options_;
  temp_dir dir_;
  int port_ = 0;
  child_process process_;
};

struct rabbitmq_server_options {
  bool tls = false;  ///< Also listen for amqps:// with a certificate from a CA made in the dir.
  bool detached = false;
  int port = 0;  ///< 0 = pick a free port.
  std::chrono::seconds start_timeout{90};
};

/// A RabbitMQ node (no plugins, no systemd) with its own epmd, on 127.0.0.1.
class rabbitmq_server {
 public:
  explicit rabbitmq_server(rabbitmq_server_options options = {});
  ~rabbitmq_server();
  rabbitmq_server(const rabbitmq_server&) = delete;
  rabbitmq_server& operator=(const rabbitmq_server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  /// amqp://guest:guest@127.0.0.1:PORT/%2F
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int tls_port() const noexcept { return tls_port_; }
  /// amqps://guest:guest@localhost:TLS_PORT/%2F?cacertfile=...
  [[nodiscard]] std::string tls_url() const;
  [[nodiscard]] std::string ca_file() const { return dir_.path() + "/tls/ca.pem"; }
  [[nodiscard]] const std::string& dir() const noexcept { return dir_.path(); }
  [[nodiscard]] const std::string& node_name() const noexcept { return node_; }
  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
  [[nodiscard]] pid_t epmd_pid() const noexcept { return epmd_.pid(); }

  /// Graceful stop (SIGTERM to the VM); persistent messages in durable queues survive.
  void stop();
  /// SIGKILL the VM, as in a crash.
  void kill();
  /// Starts again on the same ports with the same data; waits until AMQP answers.
  void start();
  void restart();
  /// Runs rabbitmqctl against this node, e.g. ctl({"list_queues", "name", "messages"}).
  std::string ctl(const std::vector<std::string>& args) const;
  void release();

 private:
  [[nodiscard]] std::map<std::string, std::string> environment() const;
  void write_tls_config();

  rabbitmq_server_options options_;
  temp_dir dir_;
  int port_ = 0;
  int tls_port_ = 0;
  int dist_port_ = 0;
  int epmd_port_ = 0;
  std::string node_;
  child_process epmd_;
  child_process process_;
};

/// True when something accepts TCP connections on 127.0.0.1:port.
[[nodiscard]] bool port_open(int port);

/// The Redis server tests share: $FERRY_TEST_REDIS_URL, else one started on first use and
/// stopped when the test process exits.
const std::string& shared_redis_url();

/// The RabbitMQ node tests share: $FERRY_TEST_AMQP_URL, else the URL the CTest fixture wrote
/// to $FERRY_TEST_AMQP_URL_FILE, else one started on first use (about 6-10 s).
const std::string& shared_amqp_url();

/// A name unique to this test run: prefix + pid + counter, for key prefixes and queue names.
[[nodiscard]] std::string unique_name(std::string_view prefix);

}  // namespace ferry::test
