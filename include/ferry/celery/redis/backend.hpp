// ferry/celery/redis/backend.hpp — Celery's Redis result backend (celery/backends/redis.py).
//
// Stores task states where Python's AsyncResult looks for them and reads what Python workers
// store. A write is one Lua script (one round trip, atomic): it leaves a stored SUCCESS alone
// (redelivered tasks stay deduplicated, as Celery's worker does with a GET first), else SETEX
// `celery-task-meta-<id>` <result_expires> <json> (plain SET when results never expire) and
// PUBLISH of the same JSON on the channel of the same name — without the PUBLISH, a waiting
// Python client would hang until its timeout. store_many() sends many writes in one pipeline.
// wait() does not poll: it SUBSCRIBEs first, then GETs (closing the race with a write that
// happened before the subscription), then blocks on the subscription for the remaining time.
//
//   ferry::celery::redis::backend backend{std::make_shared<ferry::redis::client>(url)};
//   backend.store(ferry::celery::task_result::success(id, 42, std::chrono::system_clock::now()));
//   ferry::celery::task_result r = backend.wait(id, std::chrono::seconds(10));
//
// It implements ferry::celery::result_backend, so the worker and async_result use it;
// register_plugin() (plugin.hpp) makes open_backend() return one for redis:// URLs.
//
// Thread safety: thread-safe (each wait() uses its own subscriber connection).
// Errors: ferry::error from Redis; wait() throws errc::timeout when no ready state arrives;
// errc::decode_error for a stored value that is not a Celery result meta.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/result_backend.hpp"
#include "ferry/export.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::celery::redis {

struct backend_options {
  /// Celery's `result_expires` (default 1 day). nullopt = keys never expire (plain SET).
  std::optional<std::chrono::seconds> result_expires = std::chrono::hours(24);
};

class FERRY_API backend final : public result_backend {
 public:
  explicit backend(std::shared_ptr<ferry::redis::client> client, backend_options options = {});

  /// Writes `result` (see the file comment). Returns false, writing nothing, when a SUCCESS is
  /// already stored for the task.
  bool store(const task_result& result) override;

  /// store() for many results in one pipelined round trip; element i says whether result i
  /// was written.
  std::vector<bool> store_many(std::span<const task_result> results) override;

  /// The stored state; nullopt when nothing is stored (Celery calls that PENDING).
  [[nodiscard]] std::optional<task_result> get(std::string_view task_id) override;

  /// Waits for a ready state (SUCCESS, FAILURE, REVOKED) without polling; throws
  /// errc::timeout after `timeout`.
  [[nodiscard]] task_result wait(std::string_view task_id,
                                 std::chrono::milliseconds timeout) override;

  /// Deletes the stored state (AsyncResult.forget()).
  void forget(std::string_view task_id) override;

  [[nodiscard]] const std::shared_ptr<ferry::redis::client>& client() const noexcept {
    return client_;
  }

 private:
  std::shared_ptr<ferry::redis::client> client_;
  backend_options options_;
};

}  // namespace ferry::celery::redis
