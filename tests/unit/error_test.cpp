#include <catch2/catch.hpp>

#include "ferry/core/error.hpp"

TEST_CASE("ferry::error carries a ferry::errc code and says whether it is transient", "[error]") {
  const ferry::error e(ferry::errc::timeout, "GET took longer than 100ms");
  CHECK(e.code() == ferry::errc::timeout);
  CHECK(e.kind() == ferry::errc::timeout);
  CHECK(e.is_transient());
  CHECK(std::string(e.what()).find("GET took longer than 100ms") != std::string::npos);
  CHECK(e.code().category().name() == std::string("ferry"));

  const ferry::error config(ferry::errc::config, "bad port");
  CHECK_FALSE(config.is_transient());
  CHECK(config.code() != ferry::errc::timeout);
}

TEST_CASE("ferry::error is caught as std::system_error", "[error]") {
  try {
    throw ferry::error(ferry::errc::pool_exhausted, "no connection within 10ms");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ferry::errc::pool_exhausted);
    return;
  }
  FAIL("not caught");
}
