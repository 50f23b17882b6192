#include "ferry/ratelimit/coalescing_limiter.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "ratelimit/combine.hpp"

namespace ferry::ratelimit {
namespace {

// One acquire() call waiting for its decision; lives on the caller's stack.
struct waiter {
  std::string_view key;
  std::int64_t cost = 1;
  rate_decision result{};
  std::exception_ptr error;
  bool done = false;
  std::condition_variable cv;
};

}  // namespace

struct coalescing_limiter::impl {
  impl(redis::client& r, redis_limiter_options o, coalescing_options c)
      : limiter(r, std::move(o)), opts(c) {}

  redis_limiter limiter;
  coalescing_options opts;
  std::mutex mutex;
  std::deque<waiter*> queue;  // arrival order
  std::size_t in_flight = 0;
  std::atomic<std::uint64_t> batches{0}, decisions{0};

  // Called with the lock held and a free in-flight place: sends the oldest queued calls as
  // one batch (the combining "leader"), then hands the lead to the next queued call.
  void lead(std::unique_lock<std::mutex>& lock, const waiter* self) {
    const auto n = std::min(queue.size(), opts.max_batch);
    std::vector<waiter*> batch(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
    ++in_flight;
    lock.unlock();
    std::vector<rate_request> requests;
    requests.reserve(n);
    for (auto* w : batch) requests.push_back({w->key, w->cost});
    std::vector<rate_decision> out;
    std::exception_ptr error;
    try {
      out = limiter.acquire_many(requests);
    } catch (...) {
      error = std::current_exception();
    }
    batches.fetch_add(1, std::memory_order_relaxed);
    decisions.fetch_add(n, std::memory_order_relaxed);
    lock.lock();
    --in_flight;
    for (std::size_t i = 0; i < n; ++i) {
      auto* w = batch[i];
      if (error)
        w->error = error;
      else
        w->result = out[i];
      w->done = true;
      if (w != self) w->cv.notify_one();
    }
    // Calls that arrived meanwhile form the next batch: wake the oldest to lead it.
    if (!queue.empty()) queue.front()->cv.notify_one();
  }
};

coalescing_limiter::coalescing_limiter(redis::client& redis, redis_limiter_options options,
                                       coalescing_options coalescing) {
  if (coalescing.max_batch == 0 || coalescing.max_in_flight == 0) {
    throw std::invalid_argument("coalescing_limiter: max_batch and max_in_flight must be >= 1");
  }
  impl_ = std::make_unique<impl>(redis, std::move(options), coalescing);
}

coalescing_limiter::~coalescing_limiter() = default;

rate_decision coalescing_limiter::acquire(std::string_view key, std::int64_t cost) {
  detail::validate_request(key, cost);
  auto& s = *impl_;
  waiter w;
  w.key = key;
  w.cost = cost;
  std::unique_lock lock{s.mutex};
  s.queue.push_back(&w);
  while (!w.done) {
    if (s.in_flight < s.opts.max_in_flight && !s.queue.empty()) {
      s.lead(lock, &w);
    } else {
      w.cv.wait(lock);
    }
  }
  lock.unlock();
  if (w.error) std::rethrow_exception(w.error);
  return w.result;
}

std::span<const rate_limit> coalescing_limiter::limits() const noexcept {
  return impl_->limiter.limits();
}

std::uint64_t coalescing_limiter::errors() const noexcept {
  return impl_->limiter.errors();
}

std::uint64_t coalescing_limiter::batches() const noexcept {
  return impl_->batches.load(std::memory_order_relaxed);
}

std::uint64_t coalescing_limiter::decisions() const noexcept {
  return impl_->decisions.load(std::memory_order_relaxed);
}

void coalescing_limiter::reset(std::string_view key) {
  impl_->limiter.reset(key);
}

}  // namespace ferry::ratelimit
