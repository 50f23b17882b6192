// http_stream_client.hpp — a raw HTTP/1.1 client for hostile-request tests: it streams a body
// of any size (Content-Length or chunked, optionally gzip) generated on the fly, so a 1 GiB
// request costs the test no memory, and it stops sending as soon as the server answers or
// closes. Also reads a process's memory figures from /proc.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace http_stream {

/// VmRSS or VmHWM (peak) of `pid` in KiB.
inline long proc_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  throw std::runtime_error("no " + field + " for pid " + std::to_string(pid));
}

struct answer {
  int status = 0;          ///< 0: no answer before the connection ended
  std::string raw;         ///< status line, headers and body as received
  std::uint64_t sent = 0;  ///< body bytes the server let us send
};

/// Produces the next piece of the body; "" ends it.
using body_source = std::function<std::string()>;

/// `n` bytes of 'A' in 64 KiB pieces (no newline: httplib's line reader would keep it all).
inline body_source filler(std::uint64_t n) {
  return [left = n]() mutable {
    const auto k = std::min<std::uint64_t>(left, 64 * 1024);
    left -= k;
    return std::string(k, 'A');
  };
}

/// Frames `inner` as chunked transfer coding.
inline body_source chunked(body_source inner) {
  return [inner = std::move(inner), done = false]() mutable -> std::string {
    if (done) return "";
    const std::string piece = inner();
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    if (piece.empty()) {
      done = true;
      return "0\r\n\r\n";
    }
    return size + piece + "\r\n";
  };
}

/// gzip of `n` zero bytes, made once (about 1 KiB per MiB).
inline std::string gzip_zeros(std::uint64_t n) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  const std::string zeros(1 << 20, '\0');
  std::string out;
  std::vector<char> buf(1 << 16);
  for (std::uint64_t left = n;;) {
    const auto k = std::min<std::uint64_t>(left, zeros.size());
    left -= k;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    z.avail_in = static_cast<uInt>(k);
    const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&z, flush);
      out.append(buf.data(), buf.size() - z.avail_out);
    } while (z.avail_out == 0);
    if (rc == Z_STREAM_END) break;
  }
  deflateEnd(&z);
  return out;
}

/// `data` in 64 KiB pieces.
inline body_source pieces_of(std::string data) {
  return [data = std::move(data), pos = std::size_t{0}]() mutable {
    const auto k = std::min<std::size_t>(data.size() - pos, 64 * 1024);
    auto piece = data.substr(pos, k);
    pos += k;
    return piece;
  };
}

/// Sends `head` as it is, then the bytes from `body` (no blank line in between: the
/// "body" continues the head, e.g. an endless header line).
inline answer send_raw(int port, const std::string& head, body_source body,
                       std::chrono::seconds timeout = std::chrono::seconds(120));

/// Sends `head` (request line and headers, without the blank line), then the body from
/// `body` while watching for the answer; returns once the server answered and closed, or
/// after `timeout`.
inline answer send(int port, const std::string& head, body_source body,
                   std::chrono::seconds timeout = std::chrono::seconds(120)) {
  return send_raw(port, head + "\r\n\r\n", std::move(body), timeout);
}

inline answer send_raw(int port, const std::string& head, body_source body,
                       std::chrono::seconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  answer out;
  std::string pending = head;
  std::size_t head_left = pending.size();
  bool body_done = !body;
  bool can_send = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pending.empty() && !body_done && can_send) {
      pending = body();
      if (pending.empty()) body_done = true;
    }
    pollfd p{fd, POLLIN, 0};
    if (!pending.empty() && can_send) p.events |= POLLOUT;
    if (::poll(&p, 1, 200) < 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        out.raw.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) break;  // closed or reset
    }
    if (p.revents & POLLOUT) {
      const auto n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) can_send = false;  // the server closed
        continue;
      }
      const auto k = static_cast<std::size_t>(n);
      const auto of_head = std::min(k, head_left);
      head_left -= of_head;
      out.sent += k - of_head;
      pending.erase(0, k);
    }
  }
  ::close(fd);
  if (out.raw.rfind("HTTP/1.1 ", 0) == 0 && out.raw.size() >= 12) {
    out.status = std::stoi(out.raw.substr(9, 3));
  }
  return out;
}

}  // namespace http_stream
