#include <ferry/postfix/listen_address.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <ferry/core/error.hpp>

#include "postfix/listener.hpp"

namespace ferry::postfix {

namespace {

[[noreturn]] void throw_io(const std::string& what, int err) {
  throw ferry::error(errc::io_error, what + ": " + std::strerror(err));
}

// Closes `fd` and throws the errno of the call that failed.
[[noreturn]] void fail_closing(int fd, const std::string& what, int err) {
  ::close(fd);
  throw_io(what, err);
}

int listen_unix(const listen_address& where, unsigned mode) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, where.path.c_str(), where.path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_io("socket", errno);
  ::unlink(where.path.c_str());  // a stale socket from a crashed run
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    fail_closing(fd, "bind " + where.path, errno);
  }
  ::chmod(where.path.c_str(), static_cast<mode_t>(mode));
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  return bound.ss_family == AF_INET6
             ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
             : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
}

int listen_tcp(const listen_address& where, const std::string& text) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const auto port_text = std::to_string(where.port);
  const int rc = ::getaddrinfo(where.host.c_str(), port_text.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw ferry::error(
        errc::config, "listen address: cannot resolve '" + where.host + "': " + ::gai_strerror(rc));
  }
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          found->ai_protocol);
  if (fd < 0) {
    const int err = errno;
    ::freeaddrinfo(found);
    throw_io("socket", err);
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int brc = ::bind(fd, found->ai_addr, found->ai_addrlen);
  const int err = errno;
  ::freeaddrinfo(found);
  if (brc != 0) fail_closing(fd, "bind " + text, err);
  return fd;
}

[[noreturn]] void bad_port(const std::string& text) {
  throw ferry::error(errc::config, "listen address: bad port in '" + text + "'");
}

}  // namespace

listen_address parse_listen_address(const std::string& text) {
  listen_address out;
  std::string_view s = text;
  if (s.rfind("unix:", 0) == 0 || (!s.empty() && s.front() == '/')) {
    if (s.rfind("unix:", 0) == 0) s.remove_prefix(5);
    if (s.empty()) throw ferry::error(errc::config, "listen address: empty unix socket path");
    if (s.size() >= sizeof(sockaddr_un{}.sun_path)) {
      throw ferry::error(errc::config, "listen address: unix socket path too long: " + text);
    }
    out.is_unix = true;
    out.path = std::string(s);
    return out;
  }
  if (s.rfind("inet:", 0) == 0) s.remove_prefix(5);
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == s.size()) {
    throw ferry::error(errc::config, "listen address: expected host:port, got '" + text + "'");
  }
  auto host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  for (const char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) bad_port(text);
    port = port * 10 + (c - '0');
  }
  if (port > 65535) bad_port(text);
  out.host = host.empty() ? "0.0.0.0" : std::string(host);
  out.port = port;
  return out;
}

namespace detail {

listener open_listener(const listen_address& where, const std::string& text, unsigned unix_mode) {
  listener out;
  out.fd = where.is_unix ? listen_unix(where, unix_mode) : listen_tcp(where, text);
  if (::listen(out.fd, SOMAXCONN) != 0) fail_closing(out.fd, "listen " + text, errno);
  if (!where.is_unix) out.port = bound_port(out.fd);
  return out;
}

}  // namespace detail

}  // namespace ferry::postfix
