#include "ferry_test/servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "files.hpp"

namespace ferry::test {
namespace {

using detail::read_file;
using detail::tail;
using detail::write_file;

using namespace std::chrono_literals;

// Connects to 127.0.0.1:port, sends `request` and returns what arrives within `timeout`
// (at most 512 bytes); "" when nothing listens.
std::string exchange(int port, std::string_view request, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    if (request.empty() || ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                               static_cast<ssize_t>(request.size())) {
      pollfd p{fd, POLLIN, 0};
      if (!request.empty() && ::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        char buf[512];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) reply.assign(buf, static_cast<std::size_t>(n));
      } else if (request.empty()) {
        reply = "connected";
      }
    }
  }
  ::close(fd);
  return reply;
}

std::string option_value(const std::vector<std::string>& args, const std::string& name) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) return args[i + 1];
  }
  return "";
}

}  // namespace

bool port_open(int port) {
  return !exchange(port, "", 200ms).empty();
}

// --- redis_server ---------------------------------------------------------------------------

redis_server::redis_server(redis_server_options options)
    : options_(std::move(options)), dir_("ferry-redis") {
  port_ = options_.port != 0 ? options_.port : free_port();
  start();
}

redis_server::~redis_server() {
  if (process_.pid() > 0) process_.terminate(5s);
}

std::string redis_server::url(int db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

bool redis_server::answers() const {
  const auto reply = exchange(port_, "PING\r\n", 200ms);
  // -NOAUTH means it is up but wants a password; -LOADING means not ready yet.
  return reply.rfind("+PONG", 0) == 0 || reply.rfind("-NOAUTH", 0) == 0;
}

void redis_server::start() {
  if (process_.running()) return;
  // One flag and its value per line.
  // clang-format off
  std::vector<std::string> argv = {
      "redis-server",
      "--port", std::to_string(port_),
      "--bind", "127.0.0.1",
      "--dir", dir_.path(),
      "--daemonize", "no",
      "--save", "",
      "--appendonly", options_.appendonly ? "yes" : "no",
      "--appendfsync", options_.appendfsync,
      "--unixsocket", unix_socket(),
      "--unixsocketperm", "700",
      "--enable-debug-command", "yes"};
  // clang-format on
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  process_ = child_process(
      argv, {.env = {}, .log_file = dir_.path() + "/redis.log", .detached = options_.detached});
  if (!wait_until([this] { return answers() || !process_.running(); }, 20s) || !answers()) {
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                             "; see " + dir_.path() + "/redis.log");
  }
}

void redis_server::stop() {
  process_.terminate(10s);
  wait_until([this] { return !port_open(port_); }, 5s);
}

void redis_server::kill() {
  process_.signal_group(SIGKILL);
  process_.wait_for_exit(5s);
  process_.terminate(1s);
}

void redis_server::restart() {
  stop();
  start();
}

std::string redis_server::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port_)};
  const auto password = option_value(options_.args, "--requirepass");
  if (!password.empty()) argv.insert(argv.end(), {"-a", password, "--no-auth-warning"});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

void redis_server::release() {
  process_.release();
  dir_.release();
}

// --- rabbitmq_server ------------------------------------------------------------------------

rabbitmq_server::rabbitmq_server(rabbitmq_server_options options)
    : options_(options), dir_("ferry-rabbitmq") {
  port_ = options_.port != 0 ? options_.port : free_port();
  dist_port_ = free_port();
  epmd_port_ = free_port();
  if (options_.tls) tls_port_ = free_port();
  node_ = "ferry" + std::to_string(port_) + "@localhost";
  write_file(dir_.path() + "/enabled_plugins", "[].\n");
  std::string config = "listeners.tcp.default = 127.0.0.1:" + std::to_string(port_) +
                       "\n"
                       "log.file.level = info\n";
  if (options_.tls) {
    write_tls_config();
    const auto tls = dir_.path() + "/tls/";
    config += "listeners.ssl.default = 127.0.0.1:" + std::to_string(tls_port_) + "\n" +
              "ssl_options.cacertfile = " + tls + "ca.pem\n" + "ssl_options.certfile = " + tls +
              "server.pem\n" + "ssl_options.keyfile = " + tls + "server.key\n" +
              "ssl_options.verify = verify_none\n"
              "ssl_options.fail_if_no_peer_cert = false\n";
  }
  write_file(dir_.path() + "/rabbitmq.conf", config);
  // A private epmd, so parallel test runs never share one and nothing outlives the test.
  epmd_ = child_process(
      {"epmd", "-port", std::to_string(epmd_port_), "-address", "127.0.0.1"},
      {.env = {}, .log_file = dir_.path() + "/epmd.log", .detached = options_.detached});
  start();
}

rabbitmq_server::~rabbitmq_server() {
  if (process_.pid() > 0) process_.terminate(20s);
  if (epmd_.pid() > 0) epmd_.terminate(2s);
}

std::map<std::string, std::string> rabbitmq_server::environment() const {
  const auto& d = dir_.path();
  return {
      {"HOME", d},
      {"RABBITMQ_MNESIA_BASE", d + "/mnesia"},
      {"RABBITMQ_LOG_BASE", d + "/log"},
      {"RABBITMQ_NODE_PORT", std::to_string(port_)},
      {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
      {"RABBITMQ_DIST_PORT", std::to_string(dist_port_)},
      {"RABBITMQ_NODENAME", node_},
      {"RABBITMQ_ENABLED_PLUGINS_FILE", d + "/enabled_plugins"},
      {"RABBITMQ_PID_FILE", d + "/pid"},
      {"RABBITMQ_CONFIG_FILE", d + "/rabbitmq.conf"},
      {"RABBITMQ_CONF_ENV_FILE", d + "/rabbitmq-env.conf"},
      {"RABBITMQ_ADVANCED_CONFIG_FILE", d + "/advanced.config"},
      // Exec the VM directly instead of keeping a wrapper shell, so the VM is our child and
      // dies with us; that mode drops -noinput/-noshell, so they are given back here.
      {"RABBITMQ_ALLOW_INPUT", "1"},
      {"RABBITMQ_SERVER_START_ARGS", "-noinput -noshell"},
      {"ERL_EPMD_PORT", std::to_string(epmd_port_)},
      {"ERL_EPMD_ADDRESS", "127.0.0.1"},
  };
}

void rabbitmq_server::write_tls_config() {
  const auto tls = dir_.path() + "/tls";
  run_command({"mkdir", "-p", tls});
  write_file(tls + "/server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
               tls + "/ca.key", "-out", tls + "/ca.pem", "-days", "2", "-subj",
               "/CN=ferry test CA"});
  run_command({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", tls + "/server.key",
               "-out", tls + "/server.csr", "-subj", "/CN=localhost"});
  run_command({"openssl", "x509", "-req", "-in", tls + "/server.csr", "-CA", tls + "/ca.pem",
               "-CAkey", tls + "/ca.key", "-CAcreateserial", "-out", tls + "/server.pem", "-days",
               "2", "-extfile", tls + "/server.ext"});
  run_command({"chmod", "644", tls + "/server.key"});
}

std::string rabbitmq_server::url() const {
  return "amqp://guest:guest@127.0.0.1:" + std::to_string(port_) + "/%2F";
}

std::string rabbitmq_server::tls_url() const {
  if (!options_.tls) throw std::logic_error("rabbitmq_server started without tls");
  return "amqps://guest:guest@localhost:" + std::to_string(tls_port_) +
         "/%2F?cacertfile=" + ca_file();
}

void rabbitmq_server::start() {
  if (process_.running()) return;
  // Ready when the AMQP listener answers the protocol header with connection.start.
  static constexpr std::string_view header{"AMQP\x00\x00\x09\x01", 8};
  const auto ready = [this] {
    const auto reply = exchange(port_, header, 500ms);
    return !reply.empty() && reply[0] == '\x01';
  };
  const std::string log = dir_.path() + "/server.log";
  // A node that exits while booting is started again (3 tries): one restarted at once can
  // still find its name or distribution port held by the node before it, on a loaded machine.
  // A node that stays up without listening is not retried.
  for (int attempt = 1;; ++attempt) {
    process_ =
        child_process({"/usr/lib/rabbitmq/bin/rabbitmq-server"},
                      {.env = environment(), .log_file = log, .detached = options_.detached});
    const bool up =
        wait_until([&] { return ready() || !process_.running(); }, options_.start_timeout, 100ms) &&
        ready();
    if (up) return;
    const bool exited = !process_.running();
    if (!exited || attempt == 3) {
      // The directory goes with this object: the log's end is the only trace a CI run keeps.
      throw std::runtime_error("rabbitmq-server did not start on port " + std::to_string(port_) +
                               (exited ? " (it exited; " : " (") + std::to_string(attempt) +
                               " attempt(s)); the end of " + log + ":\n" + tail(read_file(log)));
    }
    std::this_thread::sleep_for(2s);
  }
}

void rabbitmq_server::stop() {
  process_.terminate(30s);
  wait_until([this] { return !port_open(port_); }, 5s);
}

void rabbitmq_server::kill() {
  process_.signal_group(SIGKILL);
  process_.wait_for_exit(10s);
  process_.terminate(1s);
}

void rabbitmq_server::restart() {
  stop();
  start();
}

std::string rabbitmq_server::ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", node_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, environment());
}

void rabbitmq_server::release() {
  process_.release();
  epmd_.release();
  dir_.release();
}

// --- shared servers -------------------------------------------------------------------------

const std::string& shared_redis_url() {
  static const std::string url = [] {
    if (const char* env = std::getenv("FERRY_TEST_REDIS_URL"); env != nullptr && *env != '\0') {
      return std::string(env);
    }
    static redis_server server;
    return server.url();
  }();
  return url;
}

const std::string& shared_amqp_url() {
  static const std::string url = [] {
    if (const char* env = std::getenv("FERRY_TEST_AMQP_URL"); env != nullptr && *env != '\0') {
      return std::string(env);
    }
    if (const char* file = std::getenv("FERRY_TEST_AMQP_URL_FILE"); file != nullptr) {
      std::ifstream in(file);
      std::string line;
      if (in && std::getline(in, line) && !line.empty()) return line;
    }
    static rabbitmq_server server;
    return server.url();
  }();
  return url;
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}() & 0xffffu;
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace ferry::test
