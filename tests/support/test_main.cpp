// Catch2 main for integration tests. The servers a binary needs are named in
// $FERRY_TEST_REQUIRES (set by ferry_integration_test in CMake). When one is not installed the
// binary skips (exit 77, CTest's SKIP_RETURN_CODE) — except under CI=true, where a missing
// server is a failure: CI must never pass by quietly testing nothing.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "ferry_test/process.hpp"

int main(int argc, char* argv[]) {
  const char* requires_env = std::getenv("FERRY_TEST_REQUIRES");
  std::istringstream required(requires_env != nullptr ? requires_env : "");
  std::string program;
  while (required >> program) {
    if (!ferry::test::find_program(program).empty()) continue;
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
      std::cerr << "FAIL: " << program << " is not installed, and CI=true forbids skipping\n";
      return 1;
    }
    std::cerr << "SKIP: " << program << " is not installed (run scripts/test to install it)\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
