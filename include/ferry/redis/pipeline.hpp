// ferry/redis/pipeline.hpp — many commands in one write, replies read back in order.
//
// A pipeline is a buffer of encoded commands that is not bound to a connection: build it,
// then `exec()` it on a connection (or `client::exec()` on a pooled one). exec() sends the
// whole buffer with one write and reads exactly one reply per command.
//
// Error replies are returned as values (`reply::is_error()`), not thrown: a WRONGTYPE on
// command 3 must not lose the replies of commands 1, 2 and 4. I/O failures still throw and
// break the connection, since then no reply can be trusted. A pipeline is not a transaction;
// wrap commands in MULTI/EXEC for atomicity.
//
//   ferry::redis::pipeline p;
//   p.add({"INCR", "hits"});
//   p.add({"EXPIRE", "hits", "60"});
//   std::vector<ferry::redis::reply> r = p.exec(conn);  // r[0].as_integer() ...
//
// Thread safety: thread-compatible (a value that owns a buffer).
// Errors: exec() throws like connection::read_reply (connection_failed, timeout,
// protocol_error); error replies are values.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/redis/detail/args.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::redis {

class connection;
class script;

class FERRY_API pipeline {
 public:
  pipeline() = default;

  /// Queues one command; returns its index in the replies of exec().
  std::size_t add(std::span<const std::string_view> args);
  std::size_t add(std::initializer_list<std::string_view> args) {
    return add(std::span<const std::string_view>(args.begin(), args.size()));
  }
  template <detail::arg_range R>
  std::size_t add(R&& args) {
    detail::arg_buffer buf{args};
    return add(buf.view());
  }

  /// Queues an EVALSHA of `s` (see script.hpp). If the server does not know the script
  /// (NOSCRIPT: after SCRIPT FLUSH or a restart), exec() loads it and re-runs just those
  /// script calls after the rest of the pipeline, substituting their replies; so a script
  /// retried this way runs *after* the commands queued behind it.
  std::size_t add(const script& s, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args);
  std::size_t add(const script& s, std::initializer_list<std::string_view> keys,
                  std::initializer_list<std::string_view> args = {}) {
    return add(s, std::span<const std::string_view>(keys.begin(), keys.size()),
               std::span<const std::string_view>(args.begin(), args.size()));
  }

  /// Sends everything in one write and returns one reply per queued command, in order. The
  /// pipeline keeps its commands, so it can be exec()'d again; clear() empties it.
  [[nodiscard]] std::vector<reply> exec(connection& conn) const;

  /// Number of queued commands.
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  /// Forgets every queued command (keeps the buffer's capacity).
  void clear() noexcept;

 private:
  struct script_call {
    std::size_t index;         // position in the replies
    const class script* code;  // the script (must outlive exec)
    std::size_t offset;        // start of the encoded EVALSHA in buffer_
    std::size_t length;        // its encoded size
  };

  std::string buffer_;
  std::size_t count_ = 0;
  std::vector<script_call> scripts_;
};

}  // namespace ferry::redis
