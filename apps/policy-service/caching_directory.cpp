#include "caching_directory.hpp"

#include <algorithm>

namespace ferry::apps::policy {
namespace {

// What is cached per address: the directory's answer, not Postfix's action text, so changing
// the action texts never needs a cache flush.
constexpr std::string_view active_state = "active";
constexpr std::string_view inactive_state = "inactive";
constexpr std::string_view unknown_state = "unknown";

}  // namespace

caching_directory::caching_directory(directory_backend inner, const std::string& redis_url,
                                     caching_options options)
    : inner_(std::move(inner)), options_(options), redis_(redis_url), cache_([&] {
        cache::cache_options o;
        o.near.enabled = options.near_entries > 0;
        o.near.max_entries = std::max<std::size_t>(1, options.near_entries);
        o.observer = ferry::observer::errors_to([this](const std::exception& e, const auto&) {
          if (auto* m = metrics_.load()) m->cache_error();
          auto* log = log_.load();
          if (log == nullptr) return;
          if (auto line = failures_.failed(e.what(), failure_throttle::clock::now())) {
            log->warning("Redis cache: " + *line + "; answering from the directory meanwhile");
          }
        });
        return cache::cache<std::string>(redis_, "policy:", std::move(o));
      }()) {}

std::optional<recipient_status> caching_directory::lookup(std::string_view address) {
  bool loaded = false;
  const std::string state = cache_.get_or_set(
      address,
      [&] {
        loaded = true;
        const auto status = inner_.directory->lookup(address);
        return std::string(!status          ? unknown_state
                           : status->active ? active_state
                                            : inactive_state);
      },
      [this](const std::string& s) -> std::chrono::milliseconds {
        return s == active_state ? options_.ok_ttl : options_.reject_ttl;
      });
  if (auto* m = metrics_.load()) loaded ? m->cache_miss() : m->cache_hit();
  if (state == unknown_state) return std::nullopt;
  return recipient_status{state == active_state};
}

std::optional<std::string> caching_directory::readiness_problem() {
  try {
    (void)redis_.ping();
  } catch (const std::exception& e) {
    // The client's messages name the server and the cause, never the password.
    return std::string("Redis cache: ") + e.what();
  }
  return inner_.directory->readiness_problem();
}

std::optional<known_answer> caching_directory::lookup_now(std::string_view address) {
  try {
    const auto state = cache_.get_if_near(address);
    if (!state) return std::nullopt;
    if (auto* m = metrics_.load()) m->cache_near_hit();
    if (*state == unknown_state) return known_answer{};
    return known_answer{recipient_status{*state == active_state}};
  } catch (...) {
    return std::nullopt;
  }
}

void caching_directory::forget(std::string_view address) {
  if (const auto key = normalize_address(address)) (void)cache_.del(*key);
}

void caching_directory::add_address(std::string_view address, bool active,
                                    std::string_view customer) {
  inner_.admin->add_address(address, active, customer);
  forget(address);
}

bool caching_directory::remove_address(std::string_view address) {
  const bool removed = inner_.admin->remove_address(address);
  forget(address);
  return removed;
}

bool caching_directory::set_active(std::string_view address, bool active) {
  const bool changed = inner_.admin->set_active(address, active);
  forget(address);
  return changed;
}

std::optional<std::vector<std::string>> caching_directory::set_customer_tier(
    std::string_view customer, std::string_view tier) {
  auto stale = inner_.admin->set_customer_tier(customer, tier);
  if (stale) {
    for (const auto& address : *stale) forget(address);
  }
  return stale;
}

}  // namespace ferry::apps::policy
