// ferry/service/env_reader.hpp — a service's environment variables read as the types its
// options need (text, whole numbers in a range, yes/no, lists), with errors naming the
// variable.
//
// Apps read their configuration from the environment first and let command-line flags
// override it; the parsing rules should not differ from app to app. An unset variable and one
// set to "" both mean "not given" (`FOO= ferry-app` keeps the default), except through raw().
//
//   ferry::service::env_reader env;  // the process environment; tests pass a lookup
//   options.listen = env.text("APP_LISTEN", "127.0.0.1:8080");
//   options.ttl = std::chrono::seconds(env.integer("APP_CACHE_TTL", 300, 1, 86400));
//   options.verbose = env.boolean("APP_VERBOSE", false);
//   options.queues = env.list("APP_QUEUES");  // "a, b,,c" -> {"a", "b", "c"}
//
// The rule a reader would get wrong: an error names the variable and what it must be, and
// quotes the value only for numbers and yes/no; text is never quoted, so a password put in
// the wrong variable does not end up in a log.
//
// Thread safety: thread-compatible (a value); the process lookup reads getenv, which must not
// race with setenv. Errors: integer() and boolean() throw ferry::error(errc::config) for a
// value they cannot read.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/export.hpp>

namespace ferry::service {

/// A variable's value, or nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
[[nodiscard]] FERRY_API env_lookup process_environment();

/// The rules env_reader applies, for settings whose text may also come from a flag:
/// comma-separated items, blanks around each trimmed, empty ones dropped ("a, b,,c").
[[nodiscard]] FERRY_API std::vector<std::string> split_list(std::string_view text);
/// `text` as a decimal whole number from `min` to `max`; ferry::error(errc::config) naming
/// `name` (the variable or flag) and quoting `text` otherwise.
[[nodiscard]] FERRY_API std::int64_t parse_whole_number(std::string_view text,
                                                        const std::string& name, std::int64_t min,
                                                        std::int64_t max);

class FERRY_API env_reader {
 public:
  explicit env_reader(env_lookup lookup = process_environment());

  /// The value exactly as set ("" included); nullopt when unset.
  [[nodiscard]] std::optional<std::string> raw(const std::string& name) const;
  /// The value, or `fallback` when unset or "".
  [[nodiscard]] std::string text(const std::string& name, std::string fallback = {}) const;
  /// A decimal whole number from `min` to `max`, or `fallback` when unset or "".
  [[nodiscard]] std::int64_t integer(
      const std::string& name, std::int64_t fallback, std::int64_t min = 0,
      std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  /// true/yes/on/1 or false/no/off/0 (any case), or `fallback` when unset or "".
  [[nodiscard]] bool boolean(const std::string& name, bool fallback) const;
  /// Comma-separated items, blanks around each trimmed, empty ones dropped; {} when unset.
  [[nodiscard]] std::vector<std::string> list(const std::string& name) const;

  [[nodiscard]] const env_lookup& lookup() const noexcept { return lookup_; }

 private:
  env_lookup lookup_;
};

}  // namespace ferry::service
