// Private: RESP parsing with hiredis's stream reader, building ferry `reply` values in place.
//
// This is ferry's only contact with hiredis's parser and the one place that knows which
// hiredis it was compiled against (0.14 or 1.x; see reply_reader.cpp). The connection feeds
// it the bytes it read from the socket and takes complete replies out; pure parsing, so it is
// unit-tested without a server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ferry/redis/reply.hpp"

struct redisReader;  // hiredis; kept out of this header

namespace ferry::redis::detail {

/// The version of the hiredis headers ferry_redis was compiled against, e.g. "1.3.0".
/// (hiredis 1.3.1's headers still say 1.3.0.)
[[nodiscard]] std::string_view hiredis_version() noexcept;

/// Whether that hiredis parses RESP3 (1.0 and later); 0.14 rejects RESP3 type bytes.
[[nodiscard]] bool hiredis_parses_resp3() noexcept;

/// One RESP stream: bytes in, replies out, in order.
///
///   reply_reader in;
///   in.feed(buf, n);
///   reply r;
///   while (in.next(r) == reply_reader::result::reply) use(r);
///
/// Thread safety: one thread at a time. Not movable: hiredis keeps a pointer to its slot.
class reply_reader {
 public:
  enum class result {
    reply,       ///< a complete reply was moved out
    incomplete,  ///< more bytes are needed
    bad_input,   ///< the bytes are not RESP (error_text() says why); the reader stays failed
  };

  /// Throws std::bad_alloc.
  reply_reader();
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  /// Appends bytes read from the server. Throws std::bad_alloc.
  void feed(const char* data, std::size_t size);

  /// Moves the next complete reply into `out` when there is one.
  [[nodiscard]] result next(reply& out);

  /// Whether no byte is buffered and no reply is half parsed.
  [[nodiscard]] bool idle() const noexcept;

  /// hiredis's description of the input after result::bad_input.
  [[nodiscard]] std::string error_text() const;

 private:
  redisReader* reader_;
  reply slot_;  // the reply being built (hiredis's privdata)
};

}  // namespace ferry::redis::detail
