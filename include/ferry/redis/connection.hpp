// ferry/redis/connection.hpp — one blocking connection to one Redis server.
//
// Most code uses the pooled `client` (client.hpp) and meets a connection through a `lease`.
// Use a connection directly for long-lived dedicated work: pub/sub, CLIENT TRACKING
// redirection targets, or a benchmark that wants no pool in the way.
//
// Constructing a connection connects (within `connect_timeout`), applies `command_timeout`,
// authenticates (AUTH user password, or AUTH password), selects the db and sets the client
// name. Arguments are binary-safe: each one is sent with its length, so values may hold NUL
// bytes or any other byte.
//
// The rule a reader would otherwise get wrong: once a connection has failed at the I/O level
// (timeout, reset, EOF, protocol error) it is *broken* for good (`is_broken()`): a reply that
// arrives late would be read as the answer to the next command, so the connection refuses
// further commands (errc::connection_failed) and the pool discards it. An error *reply* from
// the server (WRONGTYPE ...) does not break anything.
//
//   ferry::redis::connection conn{"redis://127.0.0.1:6379/0"};
//   conn.command({"SET", "greeting", "hello"});
//   std::optional<std::string> v = conn.command({"GET", "greeting"}).as_optional_string();
//
// Thread safety: one thread at a time (thread-compatible); move it between threads freely.
// Errors: ferry::error — connection_failed (connect, reset, EOF, used while broken), timeout
// (connect or command deadline), auth_failed (NOAUTH, WRONGPASS), busy (LOADING, BUSY),
// server_error (any other error reply), protocol_error; config for bad options.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ferry/export.hpp"
#include "ferry/redis/detail/args.hpp"
#include "ferry/redis/options.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::redis {

/// A pub/sub message delivered to a subscribed connection.
struct message {
  /// The channel the message was published on.
  std::string channel;
  /// Usually a bulk string; an array for CLIENT TRACKING invalidations (keys, or nil for a
  /// full flush) on `__redis__:invalidate`.
  reply payload;
  /// The pattern that matched, for messages received through PSUBSCRIBE.
  std::optional<std::string> pattern;
};

class FERRY_API connection {
 public:
  /// Connects and logs in; see the file comment. Throws instead of returning a dead handle.
  explicit connection(const options& opts);
  /// Same, from a URL (see url.hpp).
  explicit connection(std::string_view url);

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  // --- one command, one round trip ---------------------------------------------------------

  /// Sends one command and returns its reply; an error reply throws (see reply::throw_if_error).
  reply command(std::span<const std::string_view> args);
  reply command(std::initializer_list<std::string_view> args) {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
  }
  /// Any range of strings / string_views, e.g. a std::vector<std::string>.
  template <detail::arg_range R>
  reply command(R&& args) {
    detail::arg_buffer buf{args};
    return command(buf.view());
  }
  /// For blocking commands (BLPOP, BLMOVE, XREAD BLOCK, WAIT): waits up to `timeout` for the
  /// reply instead of `command_timeout`. Give the server-side timeout plus some slack.
  reply command(std::span<const std::string_view> args, std::chrono::milliseconds timeout);
  reply command(std::initializer_list<std::string_view> args, std::chrono::milliseconds timeout) {
    return command(std::span<const std::string_view>(args.begin(), args.size()), timeout);
  }

  // --- raw pipelining: append many, flush once, read replies in order -----------------------

  /// Queues a command in the output buffer; nothing is sent until flush() or read_reply().
  void append(std::span<const std::string_view> args);
  void append(std::initializer_list<std::string_view> args) {
    append(std::span<const std::string_view>(args.begin(), args.size()));
  }
  /// Queues already RESP-encoded bytes holding `replies` commands.
  void append_raw(std::string_view resp, std::size_t replies);
  /// Writes everything queued, in as few writes as the socket allows.
  void flush();
  /// Reads the next reply (flushing first if needed), waiting up to `command_timeout`. Error
  /// replies are returned as values, not thrown.
  reply read_reply();
  /// Reads the next reply if one arrives within `wait`; nullopt when none did. A timeout here
  /// does not break the connection (nothing was half-read), so it suits pub/sub loops.
  std::optional<reply> try_read_reply(std::chrono::milliseconds wait);
  /// Replies expected for commands sent or queued but not yet read.
  [[nodiscard]] std::size_t pending_replies() const noexcept;

  // --- pub/sub (RESP2): a subscribed connection only reads ----------------------------------

  /// SUBSCRIBE / PSUBSCRIBE, waiting for the server's confirmation of every channel.
  void subscribe(std::span<const std::string_view> channels);
  void subscribe(std::initializer_list<std::string_view> channels) {
    subscribe(std::span<const std::string_view>(channels.begin(), channels.size()));
  }
  void psubscribe(std::span<const std::string_view> patterns);
  void psubscribe(std::initializer_list<std::string_view> patterns) {
    psubscribe(std::span<const std::string_view>(patterns.begin(), patterns.size()));
  }
  /// The next message, or nullopt if none arrived within `wait`. Subscription confirmations
  /// and PONGs are skipped.
  [[nodiscard]] std::optional<message> read_message(std::chrono::milliseconds wait);

  // --- state ---------------------------------------------------------------------------------

  /// True once an I/O failure, timeout or protocol error happened; see the file comment.
  [[nodiscard]] bool is_broken() const noexcept;
  /// The options this connection was opened with.
  [[nodiscard]] const options& config() const noexcept;
  /// The socket, for poll()/epoll integration; do not read or write it.
  [[nodiscard]] int native_handle() const noexcept;
  /// Whether the last failure happened before any byte of the failing request reached the
  /// socket, i.e. the server cannot have run it. Used by client::command to retry safely.
  [[nodiscard]] bool last_failure_before_write() const noexcept;

 private:
  friend class client;
  struct impl;

  /// The state; throws std::logic_error on a moved-from connection.
  [[nodiscard]] impl& self() const;
  /// True when an idle connection has unexpected readable data or EOF (server went away).
  [[nodiscard]] bool stale() const noexcept;

  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::redis
