#include "ferry/redis/scan.hpp"

#include <stdexcept>

#include "ferry/core/error.hpp"

namespace ferry::redis {

std::string escape_glob(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 4);
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

scan_range::scan_range(connection& conn, std::string pattern, std::size_t count)
    : conn_(&conn), pattern_(std::move(pattern)), count_(std::to_string(count)) {
  if (count == 0) throw std::invalid_argument("SCAN count must be positive");
}

scan_range::scan_range(client& c, std::string pattern, std::size_t count)
    : lease_(c.acquire()), pattern_(std::move(pattern)), count_(std::to_string(count)) {
  if (count == 0) throw std::invalid_argument("SCAN count must be positive");
  conn_ = &lease_->get();
}

scan_range::iterator scan_range::begin() {
  if (!started_) {
    started_ = true;
    fetch_until_nonempty();
  }
  return iterator(this);
}

void scan_range::advance() {
  ++pos_;
  if (pos_ >= page_.size()) fetch_until_nonempty();
}

// SCAN may return empty pages while the cursor is not yet 0; keep going until keys or end.
void scan_range::fetch_until_nonempty() {
  page_.clear();
  pos_ = 0;
  while (page_.empty() && !done_) {
    reply r = conn_->command({"SCAN", cursor_, "MATCH", pattern_, "COUNT", count_});
    auto parts = std::move(r).elements();
    if (parts.size() != 2) {
      throw error(errc::protocol_error, "SCAN reply is not [cursor, keys]");
    }
    cursor_ = std::move(parts[0]).as_string();
    done_ = cursor_ == "0";
    for (auto& k : std::move(parts[1]).elements()) page_.push_back(std::move(k).as_string());
  }
}

scan_range scan(connection& conn, std::string_view pattern, std::size_t count) {
  return scan_range(conn, std::string(pattern), count);
}

scan_range scan(client& c, std::string_view pattern, std::size_t count) {
  return scan_range(c, std::string(pattern), count);
}

std::size_t delete_matching(connection& conn, std::string_view pattern, std::size_t batch) {
  if (batch == 0) throw std::invalid_argument("delete_matching batch must be positive");
  std::string count = std::to_string(batch);
  std::string cursor = "0";
  std::size_t removed = 0;
  std::vector<std::string> keys;
  std::vector<std::string_view> argv;
  do {
    reply r = conn.command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
    auto parts = std::move(r).elements();
    if (parts.size() != 2) throw error(errc::protocol_error, "SCAN reply is not [cursor, keys]");
    cursor = std::move(parts[0]).as_string();
    for (auto& k : std::move(parts[1]).elements()) keys.push_back(std::move(k).as_string());
    // UNLINK frees memory in the background; flush in batches so one call stays small.
    if (keys.size() >= batch || (cursor == "0" && !keys.empty())) {
      argv.assign(1, "UNLINK");
      argv.insert(argv.end(), keys.begin(), keys.end());
      removed += static_cast<std::size_t>(conn.command(argv).as_integer());
      keys.clear();
    }
  } while (cursor != "0");
  return removed;
}

std::size_t delete_matching(client& c, std::string_view pattern, std::size_t batch) {
  auto l = c.acquire();
  return delete_matching(*l, pattern, batch);
}

}  // namespace ferry::redis
