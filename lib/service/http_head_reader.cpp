#include "service/http_head_reader.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ferry::service::detail {
namespace {

constexpr std::size_t read_chunk = 4096;

// poll() for `events` within `timeout`; true when ready.
bool wait_for(::socket_t sock, short events, std::chrono::milliseconds timeout) {
  pollfd p{sock, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(timeout.count(), 0)));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void address_of(bool peer, ::socket_t sock, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*.
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  const int rc = peer ? ::getpeername(sock, sa, &len) : ::getsockname(sock, sa, &len);
  if (rc != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

}  // namespace

head_stream::head_result head_stream::read_head(std::size_t max_head,
                                                std::chrono::steady_clock::time_point deadline) {
  buffer_.clear();
  offset_ = 0;
  for (;;) {
    // Leading empty lines are allowed before the request line (RFC 9112 2.2); the head ends at
    // the first blank line after it.
    const auto start = buffer_.find_first_not_of("\r\n");
    if (start != std::string::npos && buffer_.find("\r\n\r\n", start) != std::string::npos) {
      return head_result::complete;
    }
    if (buffer_.size() >= max_head) return head_result::too_large;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero() || !wait_for(sock_, POLLIN, left)) {
      return head_result::timed_out;
    }
    char chunk[read_chunk];
    const auto n = ::recv(sock_, chunk, std::min(sizeof chunk, max_head - buffer_.size()), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return head_result::closed;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool head_stream::is_readable() const {
  return offset_ < buffer_.size() || wait_for(sock_, POLLIN, read_timeout_);
}

bool head_stream::is_writable() const {
  return wait_for(sock_, POLLOUT, write_timeout_);
}

ssize_t head_stream::read(char* ptr, size_t size) {
  if (offset_ == buffer_.size()) {
    // httplib reads lines a byte at a time: refill a small buffer instead of one recv per byte.
    if (!wait_for(sock_, POLLIN, read_timeout_)) return -1;
    buffer_.resize(read_chunk);
    offset_ = 0;
    ssize_t n = 0;
    do {
      n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    buffer_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n <= 0) return n;
  }
  const auto k = std::min(size, buffer_.size() - offset_);
  std::memcpy(ptr, buffer_.data() + offset_, k);
  offset_ += k;
  return static_cast<ssize_t>(k);
}

ssize_t head_stream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  ssize_t n = 0;
  do {
    n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void head_stream::get_remote_ip_and_port(std::string& ip, int& port) const {
  address_of(true, sock_, ip, port);
}

void head_stream::get_local_ip_and_port(std::string& ip, int& port) const {
  address_of(false, sock_, ip, port);
}

}  // namespace ferry::service::detail
