// ferry-test-server: starts and stops detached test servers for CTest fixtures, scripts/demo
// and scripts/bench, with the same code the C++ tests use.
//
//   ferry-test-server start redis --state-dir DIR [--port P] [--appendonly]
//   ferry-test-server start rabbitmq --state-dir DIR [--port P] [--tls]
//   ferry-test-server stop redis|rabbitmq|all --state-dir DIR
//
// `start` prints the URL and writes DIR/<kind>.url; `stop` stops what `start` recorded in
// DIR/<kind>.state and deletes the server's data directory.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "ferry_test/servers.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A pid is gone when it no longer exists or is a zombie nobody reaped yet.
bool alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close_paren = line.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= line.size() ||
         line[close_paren + 2] != 'Z';
}

void stop_group(pid_t leader, std::chrono::seconds grace) {
  if (leader <= 0) return;
  ::kill(-leader, SIGTERM);
  ferry::test::wait_until([&] { return !alive(leader); }, grace, 50ms);
  ::kill(-leader, SIGKILL);
}

void write_state(const fs::path& state_dir, const std::string& kind, const std::string& url,
                 const std::string& data_dir, pid_t server, pid_t helper) {
  fs::create_directories(state_dir);
  std::ofstream(state_dir / (kind + ".url")) << url << "\n";
  std::ofstream(state_dir / (kind + ".state")) << server << " " << helper << " " << data_dir << "\n";
}

int stop(const fs::path& state_dir, const std::string& kind) {
  std::ifstream in(state_dir / (kind + ".state"));
  pid_t server = 0;
  pid_t helper = 0;
  std::string data_dir;
  if (!(in >> server >> helper >> data_dir)) {
    std::cerr << "no " << kind << " recorded in " << state_dir << "\n";
    return 0;
  }
  stop_group(server, 30s);
  stop_group(helper, 2s);
  std::error_code ignored;
  fs::remove_all(data_dir, ignored);
  fs::remove(state_dir / (kind + ".state"), ignored);
  fs::remove(state_dir / (kind + ".url"), ignored);
  std::cout << kind << " stopped\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Start and stop detached redis-server / rabbitmq-server instances for tests"};
  app.require_subcommand(1);
  std::string kind;
  std::string state_dir;
  int port = 0;
  bool appendonly = false;
  bool tls = false;

  auto* start_cmd = app.add_subcommand("start", "start a server, print its URL");
  start_cmd->add_option("kind", kind, "redis or rabbitmq")
      ->required()
      ->check(CLI::IsMember({"redis", "rabbitmq"}));
  start_cmd->add_option("--state-dir", state_dir, "where to record the server")->required();
  start_cmd->add_option("--port", port, "port (default: a free one)");
  start_cmd->add_flag("--appendonly", appendonly, "redis: AOF persistence");
  start_cmd->add_flag("--tls", tls, "rabbitmq: also an amqps listener");

  auto* stop_cmd = app.add_subcommand("stop", "stop a server started with start");
  stop_cmd->add_option("kind", kind, "redis, rabbitmq or all")
      ->required()
      ->check(CLI::IsMember({"redis", "rabbitmq", "all"}));
  stop_cmd->add_option("--state-dir", state_dir, "where the server was recorded")->required();

  CLI11_PARSE(app, argc, argv);

  try {
    if (stop_cmd->parsed()) {
      if (kind == "all") return stop(state_dir, "redis") | stop(state_dir, "rabbitmq");
      return stop(state_dir, kind);
    }
    if (kind == "redis") {
      ferry::test::redis_server server(
          {.args = {}, .appendonly = appendonly, .appendfsync = "everysec", .detached = true,
           .port = port});
      write_state(state_dir, kind, server.url(), server.dir(), server.pid(), 0);
      std::cout << server.url() << "\n";
      server.release();
    } else {
      ferry::test::rabbitmq_server server({.tls = tls, .detached = true, .port = port});
      write_state(state_dir, kind, server.url(), server.dir(), server.pid(), server.epmd_pid());
      std::cout << server.url() << "\n";
      server.release();
    }
  } catch (const std::exception& e) {
    std::cerr << "ferry-test-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
