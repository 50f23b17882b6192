// ferry/celery/result_backend.hpp — where the Celery worker writes task states and where the
// client's async_result reads them.
//
// What the runtime needs from a result store, and nothing more: write a state (store,
// store_many), read it (get), block until it is ready (wait), delete it (forget).
// Implementations: celery::memory_backend (in-process, for tests; "memory://"),
// celery::redis::backend (Celery's Redis result backend, ferry::celery_redis); open_backend()
// picks one by URL scheme (registry.hpp).
//
// The one behaviour a reader would get wrong: store() never overwrites a stored SUCCESS — a
// redelivered task that already succeeded stays deduplicated, as Celery's worker does — and
// says so by returning false.
//
//   std::shared_ptr<ferry::celery::result_backend> b = ferry::celery::open_backend(url);
//   b->store(ferry::celery::task_result::success(id, 42, std::chrono::system_clock::now()));
//   ferry::celery::task_result r = b->wait(id, std::chrono::seconds(10));
//
// Thread safety: implementations are thread-safe.
// Errors: ferry::error from the store (connection_failed and timeout are transient); wait()
// throws errc::timeout when no ready state arrives in time; errc::decode_error for a stored
// value that is not a Celery result meta.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// A Celery result store. See the file comment.
class FERRY_API result_backend {
 public:
  virtual ~result_backend() = default;

  /// Writes `result` (its task_id names the task). Returns false, writing nothing, when a
  /// SUCCESS is already stored for the task.
  virtual bool store(const task_result& result) = 0;

  /// store() for many results; element i says whether result i was written. Default: one by
  /// one; Redis sends them in one pipelined round trip.
  virtual std::vector<bool> store_many(std::span<const task_result> results);

  /// The stored state; nullopt when nothing is stored (Celery calls that PENDING).
  [[nodiscard]] virtual std::optional<task_result> get(std::string_view task_id) = 0;

  /// Waits for a ready state (SUCCESS, FAILURE, REVOKED) without polling; throws
  /// errc::timeout after `timeout`.
  [[nodiscard]] virtual task_result wait(std::string_view task_id,
                                         std::chrono::milliseconds timeout) = 0;

  /// Deletes the stored state (AsyncResult.forget()).
  virtual void forget(std::string_view task_id) = 0;
};

}  // namespace ferry::celery
