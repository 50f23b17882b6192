// mail_store tests run against a fresh SQLite file.
#include "mail_store_test_database.hpp"
#include "sql_test_dir.hpp"

namespace ferry::test {
namespace {

class sqlite_database final : public test_database {
 public:
  [[nodiscard]] ferry::sql::database_url url() const override {
    return ferry::sql::database_url::parse("sqlite://" + dir_.file("mail.db"));
  }

 private:
  scratch_dir dir_;
};

}  // namespace

std::unique_ptr<test_database> make_test_database() {
  return std::make_unique<sqlite_database>();
}

}  // namespace ferry::test
