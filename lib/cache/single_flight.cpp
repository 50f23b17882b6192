#include "ferry/cache/detail/single_flight.hpp"

namespace ferry::cache::detail {

std::shared_ptr<const void> flight::wait() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return result_;
}

void flight::finish(std::shared_ptr<const void> result, std::exception_ptr error) {
  {
    std::lock_guard lock(mu_);
    result_ = std::move(result);
    error_ = std::move(error);
    done_ = true;
  }
  done_cv_.notify_all();
}

std::pair<std::shared_ptr<flight>, bool> single_flight::join(const std::string& key) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (inserted) it->second = std::make_shared<flight>();
  return {it->second, inserted};
}

void single_flight::land(const std::string& key, const std::shared_ptr<flight>& f,
                         std::shared_ptr<const void> result, std::exception_ptr error) {
  {
    std::lock_guard lock(mu_);
    // Only this flight: a later one for the same key (started after this one was removed)
    // stays.
    if (auto it = flights_.find(key); it != flights_.end() && it->second == f) flights_.erase(it);
  }
  f->finish(std::move(result), std::move(error));
}

std::size_t single_flight::size() const {
  std::lock_guard lock(mu_);
  return flights_.size();
}

}  // namespace ferry::cache::detail
