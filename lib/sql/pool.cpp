#include "ferry/sql/pool.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "ferry/core/error.hpp"

namespace ferry::sql {

struct pool::state {
  database_url url;
  pool_options options;
  std::mutex mutex;
  std::condition_variable freed;
  std::vector<std::unique_ptr<session>> idle;
  std::size_t open = 0;  // idle + leased
};

pool::pool(database_url url, pool_options options) : state_(std::make_shared<state>()) {
  if (options.size == 0) throw std::invalid_argument("sql::pool_options::size must be > 0");
  if (options.acquire_timeout.count() < 0) {
    throw std::invalid_argument("sql::pool_options::acquire_timeout must not be negative");
  }
  state_->url = std::move(url);
  state_->options = options;
}

pool::~pool() = default;

pool::lease pool::acquire() {
  auto& st = *state_;
  std::unique_lock lock(st.mutex);
  const auto deadline = std::chrono::steady_clock::now() + st.options.acquire_timeout;
  while (st.idle.empty() && st.open >= st.options.size) {
    if (st.freed.wait_until(lock, deadline) == std::cv_status::timeout && st.idle.empty() &&
        st.open >= st.options.size) {
      throw error(errc::pool_exhausted,
                  fmt::format("sql pool: all {} sessions busy for {}ms", st.options.size,
                              st.options.acquire_timeout.count()));
    }
  }
  if (!st.idle.empty()) {
    auto s = std::move(st.idle.back());
    st.idle.pop_back();
    return lease(state_, std::move(s));
  }
  ++st.open;  // reserve the slot, connect without holding the lock
  lock.unlock();
  try {
    return lease(state_, std::make_unique<session>(st.url, st.options.session));
  } catch (...) {
    lock.lock();
    --st.open;
    st.freed.notify_one();
    throw;
  }
}

std::size_t pool::open_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->open;
}

std::size_t pool::idle_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->idle.size();
}

pool::lease::lease(std::shared_ptr<state> owner, std::unique_ptr<session> s) noexcept
    : owner_(std::move(owner)), session_(std::move(s)) {}

pool::lease::lease(lease&&) noexcept = default;

pool::lease& pool::lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    give_back();
    owner_ = std::move(other.owner_);
    session_ = std::move(other.session_);
  }
  return *this;
}

pool::lease::~lease() {
  give_back();
}

void pool::lease::give_back() noexcept {
  if (!owner_ || !session_) return;
  // A session left inside a transaction (its owner forgot to commit) or with a broken
  // connection is closed rather than handed to the next thread.
  std::unique_ptr<session> s = std::move(session_);
  const bool reusable = s->healthy() && !s->in_transaction();
  if (!reusable) s.reset();
  std::lock_guard lock(owner_->mutex);
  if (reusable) {
    owner_->idle.push_back(std::move(s));
  } else {
    --owner_->open;
  }
  owner_->freed.notify_one();
  owner_.reset();
}

}  // namespace ferry::sql
