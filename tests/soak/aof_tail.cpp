#include "aof_tail.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace soak {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

aof_tail::aof_tail(std::string redis_dir) : dir_(std::move(redis_dir)) {
  thread_ = std::thread([this] { run(); });
}

aof_tail::~aof_tail() {
  stop_ = true;
  thread_.join();
}

std::string aof_tail::current_file() const {
  // The manifest lists "file <name> seq <n> type <b|h|i>"; the last incremental one is written.
  std::ifstream manifest(dir_ + "/appendonlydir/appendonly.aof.manifest");
  std::string line, current;
  while (std::getline(manifest, line)) {
    std::istringstream in(line);
    std::string word, name, type;
    while (in >> word) {
      if (word == "file") in >> name;
      if (word == "type") in >> type;
    }
    if (type == "i") current = name;
  }
  return current.empty() ? "" : dir_ + "/appendonlydir/" + current;
}

void aof_tail::run() {
  while (!stop_) {
    const auto file = current_file();
    std::error_code ec;
    const auto size = file.empty() ? 0 : fs::file_size(file, ec);
    if (!file.empty() && !ec) {
      const std::lock_guard lock(mutex_);
      samples_.push_back({std::chrono::steady_clock::now(), file, size});
      while (samples_.size() > 200) samples_.pop_front();  // 10 s of history
    }
    std::this_thread::sleep_for(50ms);
  }
}

std::uintmax_t aof_tail::drop_last(std::chrono::milliseconds window) {
  const auto file = current_file();
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (file.empty() || ec) return 0;
  const auto cut = std::chrono::steady_clock::now() - window;
  const std::lock_guard lock(mutex_);
  // The newest sample at least `window` old, of the same file.
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (it->at > cut) continue;
    if (it->file != file || it->size > size || cut - it->at > window) return 0;
    fs::resize_file(file, it->size, ec);
    return ec ? 0 : size - it->size;
  }
  return 0;
}

}  // namespace soak
