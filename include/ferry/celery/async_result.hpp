// ferry/celery/async_result.hpp — a handle on one task's result, like Celery's AsyncResult.
//
// get() blocks until the task is ready, without polling (see result_backend::wait), and returns
// the task's return value; a FAILURE or REVOKED state is thrown as `task_failed`, which carries
// the stored meta and the exception's type/message/module — for a Python task
// `raise ValueError("bad", 42)` that is type "ValueError", message ["bad", 42], module "builtins".
//
//   ferry::celery::async_result r = celery_client.send_task("tasks.add", {2, 3});
//   ferry::celery::json v = r.get(std::chrono::seconds(10));   // 5
//
// Thread safety: thread-compatible value; its backend is thread-safe.
// Errors: get()/wait(): errc::timeout when not ready in time; task_failed for FAILURE/REVOKED;
// other ferry::error from the result backend.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "ferry/celery/result_backend.hpp"
#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// Thrown by async_result::get() when the task failed or was revoked.
class FERRY_API task_failed : public std::runtime_error {
 public:
  explicit task_failed(task_result result);
  /// The stored meta (status FAILURE or REVOKED).
  [[nodiscard]] const task_result& result() const noexcept { return result_; }
  /// The exception dict ({"exc_type", "exc_message", "exc_module"}), when there is one.
  [[nodiscard]] const std::optional<exception_info>& exception() const noexcept { return exc_; }

 private:
  task_result result_;
  std::optional<exception_info> exc_;
};

class FERRY_API async_result {
 public:
  async_result(std::string task_id, std::shared_ptr<result_backend> backend);

  [[nodiscard]] const std::string& id() const noexcept { return id_; }
  /// The ready meta (SUCCESS, FAILURE or REVOKED), waiting up to `timeout`.
  [[nodiscard]] task_result wait(std::chrono::milliseconds timeout) const;
  /// The return value of a SUCCESS; throws task_failed for FAILURE/REVOKED.
  [[nodiscard]] json get(std::chrono::milliseconds timeout) const;
  /// The stored meta now; nullopt = PENDING (nothing stored). One GET.
  [[nodiscard]] std::optional<task_result> meta() const;
  /// The state name now ("PENDING" when nothing is stored). One GET.
  [[nodiscard]] std::string state() const;
  [[nodiscard]] bool ready() const;
  [[nodiscard]] bool successful() const;
  [[nodiscard]] bool failed() const;

 private:
  std::string id_;
  std::shared_ptr<result_backend> backend_;
};

}  // namespace ferry::celery
