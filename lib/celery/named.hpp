// Instances shared by URL ("memory://name"): alive while someone holds one, so tests that
// build a client and a worker from the same URL meet, and nothing outlives them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ferry::celery::detail {

template <class T>
std::shared_ptr<T> named_instance(std::string_view url) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<T>, std::less<>> live;
  std::lock_guard lk(mu);
  auto& slot = live[std::string(url)];
  auto p = slot.lock();
  if (!p) {
    p = std::make_shared<T>();
    slot = p;
  }
  return p;
}

}  // namespace ferry::celery::detail
