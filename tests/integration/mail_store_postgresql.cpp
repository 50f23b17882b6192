// The mail_store suite (tests/unit/mail_store_test.cpp) against PostgreSQL: each test case
// gets a fresh database on the shared private server.
#include <atomic>
#include <string>

#include <unistd.h>

#include "mail_store_test_database.hpp"
#include "postgresql_server.hpp"

namespace ferry::test {
namespace {

class postgresql_database final : public test_database {
 public:
  postgresql_database() : name_(next_name()), url_(shared_postgresql().create_database(name_)) {}
  ~postgresql_database() override {
    try {
      shared_postgresql().drop_database(name_);
    } catch (...) {  // the server may be gone in a fault test; the directory is removed anyway
    }
  }
  [[nodiscard]] sql::database_url url() const override { return url_; }

 private:
  static std::string next_name() {
    static std::atomic<int> counter{0};
    return "mail_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  }
  std::string name_;
  sql::database_url url_;
};

}  // namespace

std::unique_ptr<test_database> make_test_database() {
  return std::make_unique<postgresql_database>();
}

}  // namespace ferry::test
