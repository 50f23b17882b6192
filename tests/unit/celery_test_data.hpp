// Helpers for the Celery unit tests: load the captured vectors in tests/unit/data/celery
// (copied from real Celery 5.2.6 / kombu 5.2.4 runs; see that folder's README.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/celery/protocol/json.hpp"

namespace celery_test {

inline std::filesystem::path data_dir() {
  return FERRY_CELERY_TEST_DATA_DIR;
}

inline ferry::celery::protocol::json load(const std::string& name) {
  std::ifstream in(data_dir() / name, std::ios::binary);
  if (!in) throw std::runtime_error("missing test vector " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ferry::celery::protocol::json::parse(ss.str());
}

inline std::vector<std::string> files(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(data_dir())) {
    const auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace celery_test
