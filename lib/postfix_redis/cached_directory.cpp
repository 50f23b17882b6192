#include "ferry/postfix/redis/cached_directory.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace ferry::postfix::redis {
namespace {

// What is cached per address: the directory's answer, not Postfix's action text, so changing
// the action texts never needs a cache flush.
constexpr std::string_view active_state = "active";
constexpr std::string_view inactive_state = "inactive";
constexpr std::string_view unknown_state = "unknown";

template <class T>
std::shared_ptr<T> required(std::shared_ptr<T> p, const char* what) {
  if (!p) throw std::invalid_argument(std::string("cached_directory: no ") + what);
  return p;
}

}  // namespace

cached_directory::cached_directory(std::shared_ptr<recipient_directory> inner,
                                   std::shared_ptr<ferry::redis::client> redis,
                                   cached_directory_options options)
    : inner_(required(std::move(inner), "directory")),
      redis_(required(std::move(redis), "Redis client")),
      options_(std::move(options)),
      cache_(make_cache()) {
  if (options_.ok_ttl.count() <= 0 || options_.reject_ttl.count() <= 0) {
    throw std::invalid_argument("cached_directory: TTLs must be positive");
  }
}

cache::cache<std::string> cached_directory::make_cache() {
  cache::cache_options o;
  o.near.enabled = options_.near_entries > 0;
  o.near.max_entries = std::max<std::size_t>(1, options_.near_entries);
  o.observer = ferry::observer::errors_to(
      [this](const std::exception& e, const ferry::error_context&) { failed(e); });
  return cache::cache<std::string>(*redis_, options_.prefix, std::move(o));
}

void cached_directory::failed(const std::exception& e) {
  const auto& obs = options_.observer;
  obs.error(e, {.component = "postfix.cached_directory", .operation = "cache"});
  if (!obs.enabled(ferry::log_level::warning)) return;
  if (auto line = failures_.failed(e.what(), failure_throttle::clock::now())) {
    obs.log(ferry::log_level::warning, "",
            "Redis cache: " + *line + "; answering from the directory meanwhile");
  }
}

std::optional<recipient_status> cached_directory::lookup(std::string_view address) {
  const std::string state = cache_.get_or_set(
      address,
      [&] {
        const auto status = inner_->lookup(address);
        return std::string(!status          ? unknown_state
                           : status->active ? active_state
                                            : inactive_state);
      },
      [this](const std::string& s) -> std::chrono::milliseconds {
        return s == active_state ? options_.ok_ttl : options_.reject_ttl;
      });
  if (state == unknown_state) return std::nullopt;
  return recipient_status{state == active_state};
}

std::optional<std::string> cached_directory::readiness_problem() {
  try {
    (void)redis_->ping();
  } catch (const std::exception& e) {
    // The client's messages name the server and the cause, never the password.
    return std::string("Redis cache: ") + e.what();
  }
  return inner_->readiness_problem();
}

std::optional<known_answer> cached_directory::lookup_now(std::string_view address) {
  try {
    const auto state = cache_.get_if_near(address);
    if (!state) return std::nullopt;
    if (*state == unknown_state) return known_answer{};
    return known_answer{recipient_status{*state == active_state}};
  } catch (...) {
    return std::nullopt;
  }
}

void cached_directory::forget(std::string_view address) {
  if (const auto key = normalize_address(address)) (void)cache_.del(*key);
}

}  // namespace ferry::postfix::redis
