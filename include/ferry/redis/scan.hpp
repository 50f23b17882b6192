// ferry/redis/scan.hpp — iterate and delete keys by pattern with SCAN, never KEYS.
//
// KEYS blocks the server for the whole keyspace; SCAN walks it in small steps. `scan()`
// returns an input range that issues SCAN lazily as you iterate. As SCAN guarantees, every
// key present for the whole iteration is returned at least once; a key may be returned more
// than once, and keys added or removed meanwhile may or may not appear.
//
// Patterns are Redis globs: `*`, `?`, `[...]` and `\` are special. Put user text into a
// pattern only through `escape_glob()`, or a user named "a*" would match every "a..." key:
//
//   auto pattern = "session:" + ferry::redis::escape_glob(user) + ":*";
//   std::size_t n = ferry::redis::delete_matching(client, pattern);
//   for (const std::string& key : ferry::redis::scan(client, "jobs:*")) inspect(key);
//
// Thread safety: a scan_range is used by one thread; the functions are thread-safe given a
// thread-safe client.
// Errors: like connection::command (connection_failed, timeout, server_error).
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/connection.hpp"

namespace ferry::redis {

/// Escapes the glob metacharacters `* ? [ ] \` so `text` matches only itself in MATCH.
[[nodiscard]] FERRY_API std::string escape_glob(std::string_view text);

/// A lazy range of the keys matching a pattern; see scan().
class FERRY_API scan_range {
 public:
  /// Input iterator over keys; dereferences to the current key.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using reference = const std::string&;
    using pointer = const std::string*;

    iterator() = default;
    reference operator*() const { return range_->page_[range_->pos_]; }
    pointer operator->() const { return &range_->page_[range_->pos_]; }
    iterator& operator++() {
      range_->advance();
      return *this;
    }
    void operator++(int) { range_->advance(); }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return it.done();
    }

   private:
    friend class scan_range;
    explicit iterator(scan_range* r) : range_(r) {}
    [[nodiscard]] bool done() const noexcept { return range_ == nullptr || range_->at_end(); }
    scan_range* range_ = nullptr;
  };

  /// Scans on a connection the caller keeps alive.
  scan_range(connection& conn, std::string pattern, std::size_t count);
  /// Scans on a connection leased from `c` for the lifetime of the range.
  scan_range(client& c, std::string pattern, std::size_t count);

  /// Fetches the first page (one SCAN round trip) if not done yet.
  [[nodiscard]] iterator begin();
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

 private:
  void advance();
  void fetch_until_nonempty();
  [[nodiscard]] bool at_end() const noexcept { return pos_ >= page_.size() && done_; }

  std::optional<lease> lease_;
  connection* conn_;
  std::string pattern_;
  std::string count_;
  std::string cursor_ = "0";
  bool started_ = false;
  bool done_ = false;
  std::vector<std::string> page_;
  std::size_t pos_ = 0;
};

/// Keys matching `pattern` (a glob; see escape_glob), fetched `count` per SCAN round trip.
[[nodiscard]] FERRY_API scan_range scan(connection& conn, std::string_view pattern = "*",
                                        std::size_t count = 100);
[[nodiscard]] FERRY_API scan_range scan(client& c, std::string_view pattern = "*",
                                        std::size_t count = 100);

/// Deletes every key matching `pattern` with SCAN + UNLINK, `batch` keys per round trip;
/// returns how many keys were removed. Not atomic: keys created meanwhile may survive.
FERRY_API std::size_t delete_matching(client& c, std::string_view pattern, std::size_t batch = 500);
FERRY_API std::size_t delete_matching(connection& conn, std::string_view pattern,
                                      std::size_t batch = 500);

}  // namespace ferry::redis
