#include "ferry/redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <new>
#include <stdexcept>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/redis/url.hpp"
#include "redis/protocol.hpp"
#include "redis/reply_reader.hpp"

namespace ferry::redis {
namespace {

using detail::reply_reader;
using std::chrono::milliseconds;

timeval to_timeval(milliseconds d) noexcept {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

std::string endpoint(const options& o) {
  if (o.unix_socket) return *o.unix_socket;
  if (o.host.find(':') != std::string::npos) return "[" + o.host + "]:" + std::to_string(o.port);
  return o.host + ":" + std::to_string(o.port);
}

void validate(const options& o) {
  if (o.connect_timeout.count() <= 0) {
    throw error(errc::config, "Redis connect_timeout must be positive");
  }
  if (o.command_timeout.count() <= 0) {
    throw error(errc::config, "Redis command_timeout must be positive");
  }
  if (o.db < 0) throw error(errc::config, "Redis db must be >= 0");
  if (o.tls && !tls_available()) {
    throw error(errc::unsupported, "Redis TLS requested but this build of ferry has no TLS");
  }
  if (!o.unix_socket && o.host.empty()) throw error(errc::config, "Redis host is empty");
}

}  // namespace

struct connection::impl {
  options opts;
  std::string where;            // host:port or socket path, for messages
  redisContext* ctx = nullptr;  // hiredis connects; ferry does the I/O and parsing itself
  std::string out;              // encoded commands not yet written
  std::size_t pending = 0;      // replies owed for commands queued or written
  bool broken = false;
  bool failed_before_write = false;
  milliseconds socket_timeout{0};  // what SO_RCVTIMEO/SO_SNDTIMEO are set to
  reply_reader reader;             // parses what recv() returns into replies
  std::deque<message> messages;    // pub/sub messages read while awaiting confirmations

  explicit impl(const options& o) : opts(o), where(endpoint(o)) {}
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() {
    if (ctx != nullptr) redisFree(ctx);
  }

  int fd() const noexcept { return ctx->fd; }

  [[noreturn]] void fail(errc code, const std::string& what) {
    broken = true;
    throw error(code, "Redis " + where + ": " + what);
  }

  void ensure_usable() const {
    if (broken) {
      throw error(errc::connection_failed,
                  "Redis " + where +
                      ": connection is broken after an earlier timeout or I/O error; "
                      "open a new one");
    }
  }

  void connect() {
    timeval tv = to_timeval(opts.connect_timeout);
    ctx = opts.unix_socket ? redisConnectUnixWithTimeout(opts.unix_socket->c_str(), tv)
                           : redisConnectWithTimeout(opts.host.c_str(), opts.port, tv);
    if (ctx == nullptr) throw std::bad_alloc();
    if (ctx->err != 0) {
      std::string why = ctx->errstr;
      bool timed_out = why.find("timed out") != std::string::npos;
      fail(timed_out ? errc::timeout : errc::connection_failed, "connect failed: " + why);
    }
    if (!opts.unix_socket) {
      int one = 1;
      ::setsockopt(fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    set_socket_timeout(opts.command_timeout);
  }

  void set_socket_timeout(milliseconds t) {
    if (t == socket_timeout) return;
    timeval tv = to_timeval(t);
    if (::setsockopt(fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        ::setsockopt(fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
      fail(errc::io_error,
           std::string("setting the socket timeout failed: ") + std::strerror(errno));
    }
    socket_timeout = t;
  }

  // AUTH, SELECT and CLIENT SETNAME in one round trip.
  void hello() {
    std::size_t n = 0;
    if (opts.password) {
      if (opts.user) {
        append({"AUTH", *opts.user, *opts.password});
      } else {
        append({"AUTH", *opts.password});
      }
      ++n;
    }
    std::string db = std::to_string(opts.db);
    if (opts.db != 0) {
      append({"SELECT", db});
      ++n;
    }
    if (opts.client_name) {
      append({"CLIENT", "SETNAME", *opts.client_name});
      ++n;
    }
    if (n == 0) return;
    flush();
    std::optional<reply> first_error;
    for (std::size_t i = 0; i < n; ++i) {
      reply r = read();
      if (r.is_error() && !first_error) first_error = std::move(r);
    }
    if (!first_error) return;
    broken = true;
    const std::string& text = first_error->error_message();
    errc code = detail::classify_error_reply(text);
    std::string who = opts.user ? " as user '" + *opts.user + "'" : "";
    throw error(code, "Redis " + where + ": login" + who + " failed: " + text);
  }

  void append(std::span<const std::string_view> args) {
    if (args.empty()) throw std::invalid_argument("Redis command without arguments");
    detail::encode_command(out, args);
    ++pending;
  }
  void append(std::initializer_list<std::string_view> args) {
    append(std::span<const std::string_view>(args.begin(), args.size()));
  }

  void flush() {
    std::size_t off = 0;
    bool idle_before = pending <= 1 && reader.idle();
    while (off < out.size()) {
      ssize_t n = ::send(fd(), out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      int e = errno;
      failed_before_write = off == 0 && idle_before;
      out.clear();
      if (e == EAGAIN || e == EWOULDBLOCK) {
        fail(errc::timeout, "writing the command timed out after " +
                                std::to_string(socket_timeout.count()) + "ms");
      }
      fail(errc::connection_failed, std::string("write failed: ") + std::strerror(e));
    }
    out.clear();
  }

  // Takes a complete reply from the reader's buffer, if there is one.
  bool take_buffered(reply& r) {
    switch (reader.next(r)) {
      case reply_reader::result::reply:
        if (pending > 0) --pending;
        return true;
      case reply_reader::result::incomplete: return false;
      case reply_reader::result::bad_input: break;
    }
    fail(errc::protocol_error, "bad reply: " + reader.error_text());
  }

  // Reads one reply, blocking up to the socket timeout per read.
  reply read() {
    if (!out.empty()) flush();
    reply r;
    char buf[16 * 1024];
    for (;;) {
      if (take_buffered(r)) return r;
      ssize_t n = ::recv(fd(), buf, sizeof buf, 0);
      if (n > 0) {
        reader.feed(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) {
        failed_before_write = false;
        fail(errc::connection_failed, "server closed the connection");
      }
      if (errno == EINTR) continue;
      int e = errno;
      failed_before_write = false;
      if (e == EAGAIN || e == EWOULDBLOCK) {
        fail(errc::timeout, "no reply within " + std::to_string(socket_timeout.count()) +
                                "ms; the connection is discarded");
      }
      fail(errc::connection_failed, std::string("read failed: ") + std::strerror(e));
    }
  }

  // Reads one reply if it arrives within `wait`; never breaks the connection on timeout.
  std::optional<reply> try_read(milliseconds wait) {
    if (!out.empty()) flush();
    auto deadline = std::chrono::steady_clock::now() + wait;
    reply r;
    char buf[16 * 1024];
    for (;;) {
      if (take_buffered(r)) return r;
      auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) left = milliseconds{0};
      pollfd p{fd(), POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0) {
        if (errno == EINTR) continue;
        fail(errc::io_error, std::string("poll failed: ") + std::strerror(errno));
      }
      if (ready == 0) return std::nullopt;
      ssize_t n = ::recv(fd(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        reader.feed(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) fail(errc::connection_failed, "server closed the connection");
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      fail(errc::connection_failed, std::string("read failed: ") + std::strerror(errno));
    }
  }

  reply run(std::span<const std::string_view> args) {
    ensure_usable();
    if (pending != 0) {
      throw std::logic_error("redis::connection::command() called with " + std::to_string(pending) +
                             " pipelined replies unread; read_reply() them first");
    }
    failed_before_write = false;
    append(args);
    flush();
    reply r = read();
    r.throw_if_error();
    return r;
  }

  void subscribe(const char* verb, std::span<const std::string_view> names) {
    ensure_usable();
    if (names.empty()) throw std::invalid_argument("subscribe needs at least one channel");
    // Encode "<verb> name..." without an intermediate vector for the common small case.
    std::vector<std::string_view> args;
    args.reserve(names.size() + 1);
    args.emplace_back(verb);
    args.insert(args.end(), names.begin(), names.end());
    detail::encode_command(out, args);
    flush();
    std::string_view confirm = verb[0] == 'P' ? "psubscribe" : "subscribe";
    std::size_t confirmed = 0;
    while (confirmed < names.size()) {
      reply r = read();
      r.throw_if_error();
      if (auto m = to_message(r)) {
        messages.push_back(std::move(*m));
      } else if (r.is_array() && !r.elements().empty() && r.elements()[0].is_string() &&
                 r.elements()[0].as_string() == confirm) {
        ++confirmed;
      }
    }
  }

  static std::optional<message> to_message(reply& r) {
    if (!r.is_array()) return std::nullopt;
    auto e = std::move(r).elements();
    if (e.size() == 3 && e[0].is_string() && e[0].as_string() == "message") {
      return message{std::move(e[1]).as_string(), std::move(e[2]), std::nullopt};
    }
    if (e.size() == 4 && e[0].is_string() && e[0].as_string() == "pmessage") {
      return message{std::move(e[2]).as_string(), std::move(e[3]), std::move(e[1]).as_string()};
    }
    r = reply::make_array(std::move(e));
    return std::nullopt;
  }
};

connection::connection(const options& opts) {
  validate(opts);
  impl_ = std::make_unique<impl>(opts);
  impl_->connect();
  impl_->hello();
}

connection::connection(std::string_view url) : connection(parse_url(url)) {}

connection::connection(connection&&) noexcept = default;

connection::impl& connection::self() const {
  if (impl_ == nullptr) throw std::logic_error("redis::connection used after being moved from");
  return *impl_;
}
connection& connection::operator=(connection&&) noexcept = default;
connection::~connection() = default;

reply connection::command(std::span<const std::string_view> args) {
  return self().run(args);
}

reply connection::command(std::span<const std::string_view> args, milliseconds timeout) {
  if (timeout.count() <= 0) throw std::invalid_argument("Redis command timeout must be positive");
  auto& s = self();
  s.ensure_usable();
  s.set_socket_timeout(timeout);
  reply r;
  try {
    r = s.run(args);
  } catch (...) {
    if (!s.broken) s.set_socket_timeout(s.opts.command_timeout);
    throw;
  }
  s.set_socket_timeout(s.opts.command_timeout);
  return r;
}

void connection::append(std::span<const std::string_view> args) {
  auto& s = self();
  s.ensure_usable();
  if (s.pending == 0) s.failed_before_write = false;
  s.append(args);
}

void connection::append_raw(std::string_view resp, std::size_t replies) {
  auto& s = self();
  s.ensure_usable();
  if (s.pending == 0) s.failed_before_write = false;
  s.out.append(resp);
  s.pending += replies;
}

void connection::flush() {
  auto& s = self();
  s.ensure_usable();
  s.flush();
}

reply connection::read_reply() {
  auto& s = self();
  s.ensure_usable();
  return s.read();
}

std::optional<reply> connection::try_read_reply(milliseconds wait) {
  auto& s = self();
  s.ensure_usable();
  return s.try_read(wait);
}

std::size_t connection::pending_replies() const noexcept {
  return impl_ ? impl_->pending : 0;
}

void connection::subscribe(std::span<const std::string_view> channels) {
  self().subscribe("SUBSCRIBE", channels);
}

void connection::psubscribe(std::span<const std::string_view> patterns) {
  self().subscribe("PSUBSCRIBE", patterns);
}

std::optional<message> connection::read_message(milliseconds wait) {
  auto& s = self();
  if (!s.messages.empty()) {
    message m = std::move(s.messages.front());
    s.messages.pop_front();
    return m;
  }
  s.ensure_usable();
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    auto r = s.try_read(left.count() < 0 ? milliseconds{0} : left);
    if (!r) return std::nullopt;
    r->throw_if_error();
    if (auto m = impl::to_message(*r)) return m;
  }
}

bool connection::is_broken() const noexcept {
  return impl_ == nullptr || impl_->broken;
}

const options& connection::config() const noexcept {
  return impl_->opts;
}

int connection::native_handle() const noexcept {
  return impl_ ? impl_->fd() : -1;
}

bool connection::last_failure_before_write() const noexcept {
  return impl_ != nullptr && impl_->failed_before_write;
}

bool connection::stale() const noexcept {
  if (impl_ == nullptr || impl_->broken || impl_->pending != 0 || !impl_->out.empty()) {
    return true;
  }
  // An idle connection has nothing to read; readable means EOF (the server closed it, e.g.
  // it restarted) or stray data, and either way it must not be reused.
  pollfd p{impl_->fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace ferry::redis
