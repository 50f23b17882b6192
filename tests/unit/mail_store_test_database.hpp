// A fresh, empty database for one mail_store test, provided per engine.
#pragma once

#include <memory>

#include "ferry/sql/database_url.hpp"

namespace ferry::test {

class test_database {
 public:
  virtual ~test_database() = default;
  /// Where the empty database is; valid until this object is destroyed (which drops it).
  [[nodiscard]] virtual ferry::sql::database_url url() const = 0;
};

/// Defined once per test binary: SQLite file in the unit tests, PostgreSQL in integration.
[[nodiscard]] std::unique_ptr<test_database> make_test_database();

}  // namespace ferry::test
