// ferry/celery/memory_backend.hpp — a Celery result backend inside the process, for tests
// (ferry's and its users') without a server.
//
// Same rules as the Redis backend: a stored SUCCESS is never overwritten (store() returns
// false), get() of an unknown id is nullopt (PENDING), wait() blocks without polling until a
// ready state is stored. history() also keeps every state written, in order, so a test can
// check the sequence a task went through (STARTED, RETRY, ..., SUCCESS), which a key-value
// backend cannot show. Results never expire.
//
//   auto backend = std::make_shared<ferry::celery::memory_backend>();
//   backend->store(ferry::celery::task_result::success("id-1", 42,
//   std::chrono::system_clock::now())); auto r = backend->wait("id-1", std::chrono::seconds(1)); //
//   r.result == 42
//
// open_backend("memory://name") returns the same backend for the same URL while someone holds
// it.
//
// Thread safety: thread-safe.
// Errors: wait() throws ferry::error(errc::timeout) when no ready state arrives in time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ferry/celery/result_backend.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// A Celery result backend in memory. See the file comment.
class FERRY_API memory_backend final : public result_backend {
 public:
  memory_backend();
  ~memory_backend() override;
  memory_backend(const memory_backend&) = delete;
  memory_backend& operator=(const memory_backend&) = delete;

  /// The backend for "memory://<name>": shared while someone holds it.
  [[nodiscard]] static std::shared_ptr<memory_backend> named(std::string_view url);

  bool store(const task_result& result) override;
  [[nodiscard]] std::optional<task_result> get(std::string_view task_id) override;
  [[nodiscard]] task_result wait(std::string_view task_id,
                                 std::chrono::milliseconds timeout) override;
  void forget(std::string_view task_id) override;

  /// Every state written for `task_id` (store() calls that returned true), oldest first.
  [[nodiscard]] std::vector<task_result> history(std::string_view task_id) const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::celery
