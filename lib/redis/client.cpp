#include "ferry/redis/client.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/redis/url.hpp"

namespace ferry::redis {

namespace detail {

// Shared by the client and its leases. Connects happen outside the lock; the slot is
// reserved first (`total`) so max_connections holds even while connects are in flight.
struct pool_state {
  using clock = std::chrono::steady_clock;

  explicit pool_state(options o) : opts(std::move(o)), rng(std::random_device{}()) {}

  options opts;
  mutable std::mutex mu;
  std::condition_variable freed;
  std::vector<std::unique_ptr<connection>> idle;  // LIFO: the warmest connection first
  std::size_t total = 0;                          // idle + leased + connecting
  std::size_t in_use = 0;
  std::size_t connecting = 0;  // connects in flight
  pool_stats counters;

  // Reconnect backoff after consecutive connect failures.
  unsigned consecutive_failures = 0;
  clock::time_point retry_after{};
  std::string last_error;
  std::minstd_rand rng;

  void give_back(std::unique_ptr<connection> conn) noexcept {
    {
      std::lock_guard lock(mu);
      --in_use;
      if (conn->is_broken() || conn->pending_replies() != 0) {
        --total;
        ++counters.failures;
      } else {
        try {
          idle.push_back(std::move(conn));
        } catch (...) {
          --total;
        }
      }
    }
    freed.notify_one();
    // A discarded connection is destroyed here, outside the lock.
  }

  std::chrono::milliseconds backoff_delay() {
    auto base = opts.pool.reconnect_backoff_base.count();
    auto cap = opts.pool.reconnect_backoff_max.count();
    unsigned shift = std::min(consecutive_failures - 1, 20u);
    long long d = std::min<long long>(cap, base << shift);
    double jitter = std::clamp(opts.pool.reconnect_jitter, 0.0, 1.0);
    std::uniform_real_distribution<double> u(1.0 - jitter, 1.0);
    return std::chrono::milliseconds{static_cast<long long>(static_cast<double>(d) * u(rng))};
  }
};

}  // namespace detail

namespace {

void validate_pool(const options& o) {
  if (o.pool.max_connections == 0) {
    throw error(errc::config, "Redis pool max_connections must be >= 1");
  }
  if (o.pool.acquire_timeout.count() < 0 || o.pool.reconnect_backoff_base.count() <= 0 ||
      o.pool.reconnect_backoff_max < o.pool.reconnect_backoff_base) {
    throw error(errc::config,
                "Redis pool timeouts must be non-negative and backoff base <= backoff max");
  }
  if (o.tls && !tls_available()) {
    throw error(errc::unsupported, "Redis TLS requested but this build of ferry has no TLS");
  }
}

}  // namespace

// --- lease ------------------------------------------------------------------------------------

lease::lease(std::shared_ptr<detail::pool_state> pool, std::unique_ptr<connection> conn) noexcept
    : pool_(std::move(pool)), conn_(std::move(conn)) {}

lease::lease(lease&& other) noexcept = default;

lease& lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

lease::~lease() {
  release();
}

void lease::release() noexcept {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
  pool_.reset();
}

// --- client -----------------------------------------------------------------------------------

client::client(options opts) {
  validate_pool(opts);
  pool_ = std::make_shared<detail::pool_state>(std::move(opts));
}

client::client(std::string_view url) : client(parse_url(url)) {}

client::~client() = default;

lease client::acquire() {
  return acquire(pool_->opts.pool.acquire_timeout);
}

namespace {

// Opens the connection acquire() has counted in p.total and p.connecting, with `lock`
// released while it connects; returns with the lock released. A failed connect is uncounted
// again, and connection-level failures start the pool's backoff.
std::unique_ptr<connection> connect_counted(detail::pool_state& p,
                                            std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  try {
    auto conn = std::make_unique<connection>(p.opts);
    lock.lock();
    --p.connecting;
    p.consecutive_failures = 0;
    ++p.counters.created;
    ++p.in_use;
    lock.unlock();
    p.freed.notify_all();  // waiters held back by a probe may connect now
    return conn;
  } catch (const error& e) {
    lock.lock();
    --p.total;
    --p.connecting;
    ++p.counters.failures;
    // Only connection-level failures back off; a wrong password would fail the same way every
    // time and is reported as such, without delaying a fixed configuration.
    if (e.kind() == errc::connection_failed || e.kind() == errc::timeout ||
        e.kind() == errc::busy) {
      ++p.consecutive_failures;
      p.last_error = e.what();
      p.retry_after = detail::pool_state::clock::now() + p.backoff_delay();
    }
    lock.unlock();
    p.freed.notify_all();
    throw;
  } catch (...) {
    lock.lock();
    --p.total;
    --p.connecting;
    lock.unlock();
    p.freed.notify_all();
    throw;
  }
}

}  // namespace

lease client::acquire(std::chrono::milliseconds timeout) {
  auto& p = *pool_;
  auto deadline = detail::pool_state::clock::now() + timeout;
  std::unique_lock lock(p.mu);
  bool waited = false;
  for (;;) {
    // Reuse an idle connection unless the server closed it while it sat in the pool.
    while (!p.idle.empty()) {
      auto conn = std::move(p.idle.back());
      p.idle.pop_back();
      if (!conn->stale()) {
        ++p.in_use;
        return lease(pool_, std::move(conn));
      }
      --p.total;
      ++p.counters.failures;
      lock.unlock();
      conn.reset();  // close outside the lock
      lock.lock();
    }
    // While the server's state is unknown (after a failure, or before the first connection
    // exists) only one connect probes it at a time and the others wait for the outcome, so a
    // dead server sees one attempt per backoff period, not one per caller.
    bool probing = p.connecting > 0 && (p.consecutive_failures > 0 || p.total == p.connecting);
    if (p.total < p.opts.pool.max_connections && !probing) {
      auto now = detail::pool_state::clock::now();
      if (p.consecutive_failures > 0 && now < p.retry_after) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(p.retry_after - now);
        throw error(errc::connection_failed, "Redis " + to_string(p.opts) +
                                                 ": not reconnecting for another " +
                                                 std::to_string(left.count()) + "ms after " +
                                                 std::to_string(p.consecutive_failures) +
                                                 " failed connects; last error: " + p.last_error);
      }
      ++p.total;
      ++p.connecting;
      return lease(pool_, connect_counted(p, lock));
    }
    if (!waited) {
      ++p.counters.waits;
      waited = true;
    }
    if (p.freed.wait_until(lock, deadline) == std::cv_status::timeout && p.idle.empty()) {
      if (p.connecting > 0 && (p.consecutive_failures > 0 || p.total == p.connecting)) {
        throw error(errc::connection_failed,
                    "Redis " + to_string(p.opts) +
                        ": server unreachable; a reconnect attempt is still in progress");
      }
      if (p.total >= p.opts.pool.max_connections) {
        ++p.counters.timeouts;
        throw error(errc::pool_exhausted,
                    "Redis pool exhausted: all " + std::to_string(p.opts.pool.max_connections) +
                        " connections in use for " + std::to_string(timeout.count()) + "ms");
      }
    }
  }
}

reply client::command(std::span<const std::string_view> args) {
  for (int attempt = 0;; ++attempt) {
    auto l = acquire();
    try {
      return l->command(args);
    } catch (const error&) {
      // Retry once, and only when nothing of the command reached the socket: then the
      // server cannot have executed it, so even INCR is safe to resend.
      if (attempt == 0 && l->is_broken() && l->last_failure_before_write()) continue;
      throw;
    }
  }
}

std::vector<reply> client::exec(const pipeline& p) {
  auto l = acquire();
  return p.exec(*l);
}

std::chrono::microseconds client::ping() {
  auto l = acquire();
  auto start = std::chrono::steady_clock::now();
  reply r = l->command({"PING"});
  auto took = std::chrono::steady_clock::now() - start;
  if (!r.is_status() || r.as_string() != "PONG") {
    throw error(errc::protocol_error, "Redis PING answered " + r.debug_string());
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(took);
}

pool_stats client::stats() const {
  std::lock_guard lock(pool_->mu);
  pool_stats s = pool_->counters;
  s.in_use = pool_->in_use;
  s.idle = pool_->idle.size();
  return s;
}

const options& client::config() const noexcept {
  return pool_->opts;
}

}  // namespace ferry::redis
