// ferry/redis/client.hpp — the thread-safe, bounded connection pool every Redis feature of
// ferry is built on.
//
// A `client` hands out connections as RAII `lease`s: acquire one, run commands on it, let it
// go out of scope and it returns to the pool. A lease whose connection broke (timeout, reset)
// is discarded instead, and the next acquire opens a fresh connection. At most
// `pool.max_connections` connections exist; acquire() waits up to `pool.acquire_timeout`
// for one to free up, then throws errc::pool_exhausted.
//
// When the server is down, connects fail and the pool enters exponential backoff with jitter
// (`pool.reconnect_backoff_*`): during the backoff, acquire() fails fast with
// errc::connection_failed instead of hammering the server. After a restart the client
// recovers on its own once the backoff ends; idle connections that the old server closed are
// noticed at acquire time and replaced.
//
//   ferry::redis::client redis{"redis://127.0.0.1:6379/0"};
//   redis.command({"SET", "k", "v"});                  // acquire, run, release
//   {
//     auto lease = redis.acquire();                    // several commands on one connection
//     lease->command({"INCR", "n"});
//   }
//
// client::command() retries once on a fresh connection, but ONLY if the failure happened
// before any byte of the command was written (a stale pooled socket refusing the write);
// once the command may have reached the server it is never resent, because not every
// command is idempotent.
//
// Thread safety: thread-safe; share one client between threads. A lease is used by one
// thread at a time.
// Errors: ferry::error — pool_exhausted, connection_failed (also during backoff), timeout,
// auth_failed, busy, server_error; config for bad options or URLs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/detail/args.hpp"
#include "ferry/redis/options.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::redis {

namespace detail {
struct pool_state;
}

/// Counters for health and admin endpoints; a snapshot taken under the pool's lock.
struct pool_stats {
  std::uint64_t created = 0;   ///< Connections opened since the client was made.
  std::size_t in_use = 0;      ///< Connections currently leased.
  std::size_t idle = 0;        ///< Connections waiting in the pool.
  std::uint64_t failures = 0;  ///< Failed connects plus connections discarded as broken.
  std::uint64_t waits = 0;     ///< acquire() calls that had to wait for a free connection.
  std::uint64_t timeouts = 0;  ///< acquire() calls that ended in pool_exhausted.
};

/// A connection borrowed from a client; returned (or discarded if broken) on destruction.
/// Move-only. It may outlive its client: the pool state is shared.
class FERRY_API lease {
 public:
  lease(lease&& other) noexcept;
  lease& operator=(lease&& other) noexcept;
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease();

  [[nodiscard]] connection& operator*() const noexcept { return *conn_; }
  [[nodiscard]] connection* operator->() const noexcept { return conn_.get(); }
  [[nodiscard]] connection& get() const noexcept { return *conn_; }

 private:
  friend class client;
  lease(std::shared_ptr<detail::pool_state> pool, std::unique_ptr<connection> conn) noexcept;
  void release() noexcept;

  std::shared_ptr<detail::pool_state> pool_;
  std::unique_ptr<connection> conn_;
};

class FERRY_API client {
 public:
  /// Creates the pool; connects lazily (the first acquire opens the first connection).
  /// Throws errc::config for invalid options.
  explicit client(options opts);
  /// Same, from a URL (see url.hpp); pool settings may come from its query.
  explicit client(std::string_view url);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Borrows a connection, waiting up to `pool.acquire_timeout`.
  [[nodiscard]] lease acquire();
  /// Borrows a connection, waiting up to `timeout`.
  [[nodiscard]] lease acquire(std::chrono::milliseconds timeout);

  /// acquire() + connection::command() + release; see the retry rule in the file comment.
  reply command(std::span<const std::string_view> args);
  reply command(std::initializer_list<std::string_view> args) {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
  }
  template <detail::arg_range R>
  reply command(R&& args) {
    detail::arg_buffer buf{args};
    return command(buf.view());
  }

  /// Runs a pipeline on one pooled connection; see pipeline::exec.
  [[nodiscard]] std::vector<reply> exec(const pipeline& p);

  /// Round trip of a PING on a pooled connection; throws if the server does not answer.
  std::chrono::microseconds ping();

  /// Counters for health endpoints.
  [[nodiscard]] pool_stats stats() const;
  /// The options the client was made with.
  [[nodiscard]] const options& config() const noexcept;

 private:
  std::shared_ptr<detail::pool_state> pool_;
};

}  // namespace ferry::redis
