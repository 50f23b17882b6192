// ferry/sql/pool.hpp — a thread-safe pool of `sql::session`s for multi-threaded services.
//
// Sessions are opened lazily up to `size`; `acquire()` hands one out as a `lease` that
// returns it when destroyed. A session that saw its connection break (`healthy()` false) is
// closed instead of returned, and a fresh one is opened on a later acquire.
//
//   ferry::sql::pool db(ferry::sql::database_url::parse(url), {.size = 8});
//   auto s = db.acquire();                      // waits up to acquire_timeout
//   auto row = s->query_one<std::int64_t>("SELECT 1");
//
// The one behaviour to know: with `sqlite::memory:` every pooled session is its own empty
// database; use a file for anything shared.
//
// Thread safety: thread-safe; a `lease` (and its session) belongs to the thread using it.
// Errors: `errc::pool_exhausted` when no session frees up within `acquire_timeout`; opening a
// new session throws what `session`'s constructor throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "ferry/export.hpp"
#include "ferry/sql/database_url.hpp"
#include "ferry/sql/session.hpp"

namespace ferry::sql {

/// Pool settings; every field has a default.
struct pool_options {
  /// Most sessions open at once (> 0).
  std::size_t size = 4;
  /// How long `acquire()` waits for a free session.
  std::chrono::milliseconds acquire_timeout = std::chrono::seconds(1);
  /// How each session is opened.
  session_options session = {};
};

class FERRY_API pool {
  struct state;

 public:
  /// A borrowed session; gives it back to the pool on destruction. Move-only.
  class lease {
   public:
    lease(lease&&) noexcept;
    lease& operator=(lease&&) noexcept;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease();

    [[nodiscard]] session& operator*() const noexcept { return *session_; }
    [[nodiscard]] session* operator->() const noexcept { return session_.get(); }

   private:
    friend class pool;
    lease(std::shared_ptr<state> owner, std::unique_ptr<session> s) noexcept;
    void give_back() noexcept;

    std::shared_ptr<state> owner_;
    std::unique_ptr<session> session_;
  };

  /// Does not connect; the first `acquire()` does. `size` must be > 0 (std::invalid_argument).
  explicit pool(database_url url, pool_options options = {});
  pool(pool&&) noexcept = default;
  pool& operator=(pool&&) noexcept = default;
  ~pool();

  /// A session, reusing an idle one or opening a new one while fewer than `size` are open.
  [[nodiscard]] lease acquire();

  /// Sessions currently open (idle + leased).
  [[nodiscard]] std::size_t open_count() const;
  /// Sessions open and waiting in the pool.
  [[nodiscard]] std::size_t idle_count() const;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace ferry::sql
