#include "postgresql_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <ferry/core/error.hpp>
#include <ferry/sql/session.hpp>

namespace ferry::test {
namespace {

// initdb/postgres are on PATH (Debian: /usr/lib/postgresql/<v>/bin, added by CMake).
std::string pg_program(const std::string& name) {
  auto p = find_program(name);
  if (p.empty()) throw std::runtime_error(name + " is not installed");
  return p;
}

// PostgreSQL refuses to run as root: drop to the postgres user with setpriv (which execs, so
// the server stays our child and dies with the test).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(),
              {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"});
  return argv;
}

}  // namespace

postgresql_server::postgresql_server() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ferry-pg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all |
                                         std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_exec);
  {
    std::ofstream pw(dir_ + "/pwfile");
    pw << "ferry-pw\n";
  }
  if (::geteuid() == 0) {
    const passwd* pg = ::getpwnam("postgres");
    if (pg == nullptr) throw std::runtime_error("running as root and no postgres user");
    for (const auto& p : {dir_, dir_ + "/pwfile"}) {
      if (::chown(p.c_str(), pg->pw_uid, pg->pw_gid) != 0) throw std::runtime_error("chown");
    }
  }
  run_command(as_server_user({pg_program("initdb"), "-D", dir_ + "/data", "-U", "ferry",
                              "--pwfile=" + dir_ + "/pwfile", "--auth=scram-sha-256", "--no-sync",
                              "-E", "UTF8", "--locale=C"}));
  port_ = free_port();
  start();
}

postgresql_server::~postgresql_server() {
  process_.terminate(std::chrono::seconds(5));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void postgresql_server::start() {
  // After kill(), the killed server's backends may still hold its shared memory for a moment;
  // postgres then refuses to start and exits. So a server that exits early is started again,
  // until the deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    process_ = child_process(
        as_server_user({pg_program("postgres"), "-D", dir_ + "/data", "-p", std::to_string(port_),
                        "-k", dir_, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                        "synchronous_commit=off", "-c", "full_page_writes=off"}),
        {.env = {}, .log_file = dir_ + "/server.log", .detached = false});
    bool exited = false;
    (void)wait_until(
        [&] {
          try {
            sql::session s(url());
            ready = true;
          } catch (const ferry::error&) {
            exited = !process_.running();
          }
          return ready || exited;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                              std::chrono::steady_clock::now()),
        std::chrono::milliseconds(100));
    if (exited) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!ready) throw std::runtime_error("postgres did not start; see " + dir_ + "/server.log");
}

void postgresql_server::kill() {
  process_.signal_group(SIGKILL);
  process_.wait_for_exit(std::chrono::seconds(10));
  process_ = child_process();
}

sql::database_url postgresql_server::url(const std::string& name) const {
  return sql::database_url::parse("postgresql://ferry:ferry-pw@127.0.0.1:" + std::to_string(port_) +
                                  "/" + name + "?connect_timeout=5");
}

sql::database_url postgresql_server::create_database(const std::string& name) {
  sql::session admin(url());
  admin.exec("CREATE DATABASE \"" + name + "\"");
  return url(name);
}

void postgresql_server::drop_database(const std::string& name) {
  sql::session admin(url());
  admin.exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
}

postgresql_server& shared_postgresql() {
  static postgresql_server server;
  return server;
}

}  // namespace ferry::test
