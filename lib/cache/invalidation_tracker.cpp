#include "cache/invalidation_tracker.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::cache::detail {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

constexpr std::string_view invalidate_channel = "__redis__:invalidate";

// The tracking connection for `ns`: invalidations of every key under it arrive on it.
std::unique_ptr<redis::connection> subscribe(redis::options o, const std::string& ns) {
  o.client_name = "ferry-cache-invalidations";
  auto c = std::make_unique<redis::connection>(o);
  std::string id = std::to_string(c->command({"CLIENT", "ID"}).as_integer());
  c->command({"CLIENT", "TRACKING", "ON", "REDIRECT", id, "BCAST", "PREFIX", ns});
  c->subscribe({invalidate_channel});
  return c;
}

// Applies one reply of the subscribed connection to the near cache; returns the keys dropped.
std::uint64_t apply(const redis::reply& r, std::string_view ns, near_cache& near) {
  if (!r.is_array()) return 0;
  const auto& e = r.elements();
  if (e.size() != 3 || !e[0].is_string() || e[0].as_string() != "message" || !e[1].is_string() ||
      e[1].as_string() != invalidate_channel) {
    return 0;  // pong, or a confirmation
  }
  const redis::reply& keys = e[2];
  if (keys.is_nil()) {  // FLUSHDB/FLUSHALL, or the server lost track: drop everything
    near.flush();
    return 0;
  }
  std::vector<std::string_view> local;
  local.reserve(keys.elements().size());
  for (const auto& k : keys.elements()) {
    if (!k.is_string()) continue;
    const std::string_view full = k.as_string();
    local.push_back(full.substr(std::min(ns.size(), full.size())));
  }
  near.erase(local);
  return local.size();
}

}  // namespace

invalidation_tracker::invalidation_tracker(redis::options server, std::string ns,
                                           milliseconds health_interval, near_cache& near,
                                           std::atomic<std::uint64_t>& invalidations)
    : server_(std::move(server)),
      ns_(std::move(ns)),
      health_interval_(health_interval),
      near_(near),
      invalidations_(invalidations),
      thread_([this] { run(); }) {}

invalidation_tracker::~invalidation_tracker() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

bool invalidation_tracker::sleep_for(milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return stop_cv_.wait_for(lock, d, [&] { return stop_; });
}

bool invalidation_tracker::stopping() {
  std::lock_guard lock(stop_mu_);
  return stop_;
}

void invalidation_tracker::run() {
  const milliseconds tick = std::min(health_interval_, milliseconds{100});
  milliseconds backoff{50};
  std::unique_ptr<redis::connection> conn;
  auto last_rx = steady::now();
  std::optional<steady::time_point> ping_sent;

  while (!stopping()) {
    if (!conn) {
      try {
        conn = subscribe(server_, ns_);
        // Anything cached before now may have changed unseen: start empty.
        near_.set_active(true);
        backoff = milliseconds{50};
        last_rx = steady::now();
        ping_sent.reset();
      } catch (const std::exception&) {
        if (sleep_for(backoff)) break;
        backoff = std::min(backoff * 2, milliseconds{1000});
        continue;
      }
    }
    try {
      auto r = conn->try_read_reply(tick);
      auto t = steady::now();
      if (!r) {
        if (ping_sent) {
          if (t - *ping_sent > health_interval_) {
            throw error(errc::timeout, "invalidation connection did not answer PING");
          }
        } else if (t - last_rx >= health_interval_) {
          conn->append({"PING"});
          conn->flush();
          ping_sent = t;
        }
        continue;
      }
      last_rx = t;
      ping_sent.reset();
      invalidations_ += apply(*r, ns_, near_);
    } catch (const std::exception&) {
      // Without invalidations the near cache could serve stale values: flush and disable it
      // until the subscription is back.
      near_.set_active(false);
      conn.reset();
    }
  }
  near_.set_active(false);
}

}  // namespace ferry::cache::detail
