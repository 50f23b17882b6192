// http_head_reader.hpp — (internal to admin_http_server.cpp) reads a request's head — request
// line and headers — under a size limit and a deadline *before* cpp-httplib parses it.
//
// cpp-httplib 0.11 keeps a request line or header line of any length in memory, and any number
// of headers: 200 MiB of "GET /AAAA..." grows the process by ~500 MiB before a single check
// runs. head_stream reads the head itself, refusing it past `max_head` bytes (431) or after the
// deadline (408), and then hands httplib a Stream that replays the bytes read so far and goes
// on reading the socket, with httplib's own per-read timeouts.
//
// Thread safety: one head_stream per connection, used by one thread.
// Errors: none thrown; read_head() says what happened.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace ferry::service::detail {

class head_stream final : public httplib::Stream {
 public:
  enum class head_result { complete, too_large, timed_out, closed };

  head_stream(::socket_t sock, std::chrono::milliseconds read_timeout,
              std::chrono::milliseconds write_timeout) noexcept
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  /// Reads until the blank line that ends the head, at most `max_head` bytes, until `deadline`.
  head_result read_head(std::size_t max_head, std::chrono::steady_clock::time_point deadline);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  ::socket_t socket() const override { return sock_; }

 private:
  ::socket_t sock_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::string buffer_;  // read but not yet handed to httplib
  std::size_t offset_ = 0;
};

}  // namespace ferry::service::detail
