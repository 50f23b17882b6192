// A private PostgreSQL server for the sql integration tests: initdb in a fresh directory,
// `postgres` on a free 127.0.0.1 port, scram-sha-256 auth for user "ferry" (password
// "ferry-pw"), stopped and deleted on destruction. When the tests run as root, the server
// runs as the `postgres` user (PostgreSQL refuses to run as root).
#pragma once

#include <memory>
#include <string>

#include <ferry/sql/database_url.hpp>
#include <ferry_test/process.hpp>

namespace ferry::test {

class postgresql_server {
 public:
  postgresql_server();
  ~postgresql_server();
  postgresql_server(const postgresql_server&) = delete;
  postgresql_server& operator=(const postgresql_server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  /// URL of database `name` on this server, as user ferry.
  [[nodiscard]] sql::database_url url(const std::string& name = "postgres") const;
  /// Creates an empty database and returns its URL.
  [[nodiscard]] sql::database_url create_database(const std::string& name);
  void drop_database(const std::string& name);

  void kill();   ///< SIGKILL the server.
  void start();  ///< (Re)start it on the same port and data directory.

 private:
  std::string dir_;
  int port_ = 0;
  child_process process_;
};

/// The one server of this test process, started on first use.
postgresql_server& shared_postgresql();

}  // namespace ferry::test
