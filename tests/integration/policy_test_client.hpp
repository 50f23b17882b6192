// policy_test_client.hpp — a blocking Postfix policy client for the policy service's tests:
// one connection, send a request, wait for its answer, as Postfix's smtpd does.
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

namespace ferry::test {

// A blocking policy client, as Postfix's smtpd is: send a request, wait for its answer.
class policy_client {
 public:
  explicit policy_client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    set_timeout(std::chrono::seconds(5));
  }
  explicit policy_client(const std::string& unix_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    unix_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    set_timeout(std::chrono::seconds(5));
  }
  ~policy_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  policy_client(const policy_client&) = delete;
  policy_client& operator=(const policy_client&) = delete;

  void set_timeout(std::chrono::milliseconds t) const {
    timeval tv{static_cast<time_t>(t.count() / 1000),
               static_cast<suseconds_t>(t.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  bool send(const std::string& bytes) const {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// The next answer, "" on EOF or timeout.
  std::string answer() {
    for (;;) {
      const auto end = buffer_.find("\n\n");
      if (end != std::string::npos) {
        auto a = buffer_.substr(0, end + 2);
        buffer_.erase(0, end + 2);
        return a;
      }
      char buf[4096];
      const auto n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return "";
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  std::string ask(const std::string& request) {
    if (!send(request)) return "";
    return answer();
  }

  /// True when the server closed the connection (EOF or reset) within the timeout.
  bool closed_by_server() const {
    char buf[256];
    for (;;) {
      const auto n = ::read(fd_, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  void close() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace ferry::test
