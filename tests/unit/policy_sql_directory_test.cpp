// ferry-policyd's SQL directory on a real SQLite file: what the admin subcommands write is what
// the next lookup sees, and a database that cannot be opened is an error (DEFER), not a "no".
#include <catch2/catch.hpp>

#include <ferry/core/error.hpp>

#include "backend.hpp"
#include "sql_test_dir.hpp"

using namespace ferry::apps::policy;

TEST_CASE("sql_directory: admin writes are what lookups see", "[policy][sql]") {
  ferry::test::scratch_dir dir;
  app_config cfg;
  cfg.db_url = dir.file("mail.db");
  const auto backend = open_backend(cfg);
  backend.admin->init_schema();
  backend.admin->init_schema();  // idempotent

  CHECK_FALSE(backend.directory->lookup("known@test.example"));
  backend.admin->add_address("Known@Test.example", true, "acme");
  const auto found = backend.directory->lookup("known@test.example");
  REQUIRE(found);
  CHECK(found->active);

  CHECK(backend.admin->set_active("known@test.example", false));
  CHECK_FALSE(backend.directory->lookup("known@test.example")->active);
  const auto stale = backend.admin->set_customer_tier("acme", "gold");
  REQUIRE(stale);
  CHECK(*stale == std::vector<std::string>{"known@test.example"});
  CHECK_FALSE(backend.admin->set_customer_tier("nobody", "gold"));

  CHECK(backend.admin->remove_address("known@test.example"));
  CHECK_FALSE(backend.directory->lookup("known@test.example"));
  CHECK_FALSE(backend.admin->remove_address("known@test.example"));
}

TEST_CASE("sql_directory: an unusable database raises instead of answering", "[policy][sql]") {
  app_config cfg;
  cfg.db_url = "/nonexistent-dir/for/sure/mail.db";
  const auto backend = open_backend(cfg);
  CHECK_THROWS_AS(backend.directory->lookup("a@test.example"), ferry::error);
}
