// Helpers shared by the mail unit tests.
#pragma once

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ferry_test_mail {

/// Reads tests/unit/data/mail/<name> (located through FERRY_TEST_DATA_DIR).
inline std::string fixture(const std::string& name) {
  const std::string path = std::string(FERRY_TEST_DATA_DIR) + "/mail/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace ferry_test_mail
