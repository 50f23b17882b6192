#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "ferry/cache/options.hpp"

namespace ferry::cache {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

cache_options cache_options::from_env(const std::function<const char*(const char*)>& getenv) {
  cache_options o;
  if (const char* v = getenv("CACHE_ENABLED"); v != nullptr && *v != '\0') {
    std::string s = lower(v);
    if (s == "true" || s == "1" || s == "yes" || s == "on") {
      o.enabled = true;
    } else if (s == "false" || s == "0" || s == "no" || s == "off") {
      o.enabled = false;
    } else {
      throw error(errc::config,
                  "CACHE_ENABLED must be true or false, got '" + std::string(v) + "'");
    }
  }
  if (const char* v = getenv("CACHE_DEFAULT_TTL"); v != nullptr && *v != '\0') {
    std::string_view s(v);
    long long seconds = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (res.ec != std::errc{} || res.ptr != s.data() + s.size() || seconds <= 0) {
      throw error(errc::config, "CACHE_DEFAULT_TTL must be a positive number of seconds, got '" +
                                    std::string(s) + "'");
    }
    o.default_ttl = std::chrono::seconds{seconds};
  }
  return o;
}

}  // namespace ferry::cache
