#include <ferry/postfix/policy_server.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <ferry/core/error.hpp>
#include <ferry/core/failure_throttle.hpp>

#include "postfix/descriptor_budget.hpp"
#include "postfix/listener.hpp"

namespace ferry::postfix {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::uint64_t listen_tag = ~std::uint64_t{0};
constexpr std::uint64_t wake_tag = ~std::uint64_t{0} - 1;
constexpr std::size_t read_chunk = 16 * 1024;

std::string errno_text(int err) {
  return std::string(std::strerror(err));
}

[[noreturn]] void throw_io(const std::string& what, int err) {
  throw ferry::error(errc::io_error, what + ": " + errno_text(err));
}

// A descriptor held in reserve: when accept() fails for want of descriptors, closing it lets
// one pending client be accepted and closed at once instead of waiting in the backlog.
int open_spare_descriptor() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

}  // namespace

struct policy_server::impl {
  struct connection {
    int fd = -1;
    std::uint64_t serial = 0;
    bool closed = false;
    bool want_write = false;
    std::string in;
    std::size_t in_off = 0;
    std::string out;
    std::size_t out_off = 0;
    request_parser parser;
    std::uint64_t pending_job = 0;   // non-zero while a worker decides
    clock::time_point request_done;  // when the request being answered was complete
    clock::time_point last_active;   // connected, or last answered: the idle clock
    // The first byte of a request not yet complete: the request_timeout clock.
    std::optional<clock::time_point> request_started;

    explicit connection(parser_limits limits) : parser(limits) {}
  };

  struct job {
    int fd;
    std::uint64_t serial;
    std::uint64_t id;
    blocking_decision work;
    clock::time_point deadline;
  };

  struct completion {
    int fd;
    std::uint64_t serial;
    std::uint64_t id;
    std::optional<decision> made;  // nullopt: the decision threw; answer the fallback
  };

  struct deadline_entry {
    clock::time_point when;
    int fd;
    std::uint64_t serial;
    std::uint64_t id;
  };

  policy_server_options options;
  policy_handler handler;
  ferry::observer log;
  listen_address where;
  int listen_fd = -1;
  int bound_port = 0;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;
  std::size_t max_connections = 0;  // options.max_connections within the open-files limit

  std::thread loop_thread;
  std::vector<std::thread> workers;
  bool started = false;
  std::atomic<bool> stopping{false};

  // Loop-thread state.
  std::vector<std::unique_ptr<connection>> connections;  // indexed by fd
  std::vector<std::unique_ptr<connection>> graveyard;    // closed this iteration
  std::size_t open_count = 0;
  std::uint64_t next_serial = 1;
  std::uint64_t next_job = 1;
  std::deque<deadline_entry> deadlines;  // FIFO: every deadline is now + decision_timeout
  bool accept_paused = false;
  // Many refusals or slow peers at once are one event: a line at most every second (refusals)
  // or minute (timeouts), the rest counted into it (and logged at debug level).
  failure_throttle refusals_reported{std::chrono::seconds(1)};
  failure_throttle timeouts_reported{std::chrono::minutes(1)};

  // Worker hand-off.
  std::mutex jobs_mutex;
  std::condition_variable jobs_cv;
  std::deque<job> jobs;
  bool workers_stop = false;
  std::mutex done_mutex;
  std::vector<completion> done;
  std::vector<completion> done_local;
  std::array<char, read_chunk> scratch{};

  impl(policy_server_options o, policy_handler h, ferry::observer l)
      : options(std::move(o)), handler(std::move(h)), log(std::move(l)) {
    if (!handler.decide) throw std::invalid_argument("policy_server: the handler has no decide");
    where = parse_listen_address(options.listen);
    const auto bound = detail::open_listener(where, options.listen, options.unix_socket_mode);
    listen_fd = bound.fd;
    bound_port = bound.port;
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) {
      const int err = errno;
      close_fds();
      throw_io("epoll/eventfd", err);
    }
    add_to_epoll(listen_fd, EPOLLIN, listen_tag);
    add_to_epoll(wake_fd, EPOLLIN, wake_tag);
    spare_fd = open_spare_descriptor();
    plan_connection_limit();
  }

  // Logging and hooks never take the loop down: what they throw is dropped.
  // Each line already names the server ("policy_server: ..."), so no component is added.
  void say(ferry::log_level level, const std::string& line) const noexcept {
    log.log(level, "", line);  // an observer swallows what its function throws
  }

  void event(server_event e) const noexcept {
    if (!handler.on_event) return;
    try {
      handler.on_event(e);
    } catch (...) {
    }
  }

  // Serve no more connections than descriptors allow, so the last ones are refused at once
  // rather than left in the backlog by a failing accept().
  void plan_connection_limit() {
    const auto limits = detail::current_descriptor_limits();
    const auto budget = detail::plan_connections(options.max_connections, limits, options.workers);
    max_connections = budget.max_connections;
    if (max_connections == 0) {
      close_fds();
      throw ferry::error(errc::config,
                         "the open-files limit (RLIMIT_NOFILE " + std::to_string(*limits.soft) +
                             ", " + std::to_string(limits.open) +
                             " open) leaves no descriptor "
                             "for policy connections; raise it (ulimit -n, systemd LimitNOFILE=)");
    }
    if (budget.capped) {
      say(ferry::log_level::warning,
          "policy_server: the open-files limit (RLIMIT_NOFILE " + std::to_string(*limits.soft) +
              ") allows " + std::to_string(max_connections) + " connections, not max_connections " +
              std::to_string(options.max_connections) +
              "; further ones are refused. Raise it (ulimit -n, systemd LimitNOFILE=) to " +
              std::to_string(options.max_connections + limits.open + budget.reserve));
    }
  }

  ~impl() { close_fds(); }

  void close_fds() {
    if (listen_fd >= 0) ::close(listen_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    if (spare_fd >= 0) ::close(spare_fd);
    listen_fd = epoll_fd = wake_fd = spare_fd = -1;
    if (where.is_unix && !where.path.empty()) ::unlink(where.path.c_str());
  }

  [[nodiscard]] std::string address() const {
    if (where.is_unix) return "unix:" + where.path;
    return where.host + ":" + std::to_string(bound_port);
  }

  void add_to_epoll(int fd, std::uint32_t events, std::uint64_t tag) const {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) throw_io("epoll_ctl", errno);
  }

  void modify_epoll(int fd, std::uint32_t events, std::uint64_t tag) const {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
  }

  // --- threads -----------------------------------------------------------------------------

  void start() {
    if (started) return;
    started = true;
    for (unsigned i = 0; i < options.workers; ++i) workers.emplace_back([this] { worker_main(); });
    loop_thread = std::thread([this] { loop_main(); });
    say(ferry::log_level::info, "policy_server: listening on " + address());
  }

  void stop() {
    if (!started) return;
    started = false;
    stopping.store(true);
    wake();
    if (loop_thread.joinable()) loop_thread.join();
    {
      std::lock_guard lock(jobs_mutex);
      workers_stop = true;
      jobs.clear();
    }
    jobs_cv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    say(ferry::log_level::info, "policy_server: stopped");
  }

  void worker_main() {
    for (;;) {
      job j;
      {
        std::unique_lock lock(jobs_mutex);
        jobs_cv.wait(lock, [this] { return workers_stop || !jobs.empty(); });
        if (workers_stop) return;
        j = std::move(jobs.front());
        jobs.pop_front();
      }
      // Already answered with the fallback by the loop: do not load a backend for nothing.
      if (clock::now() >= j.deadline) continue;
      completion result{j.fd, j.serial, j.id, run(j.work)};
      {
        std::lock_guard lock(done_mutex);
        done.push_back(std::move(result));
      }
      wake();
    }
  }

  // A decision that throws is answered with the fallback, never with an accept.
  static std::optional<decision> run(const blocking_decision& work) noexcept {
    try {
      return work();
    } catch (...) {
      return std::nullopt;
    }
  }

  // --- event loop --------------------------------------------------------------------------

  void loop_main() {
    std::array<epoll_event, 256> events{};
    // Often enough that a request_timeout below a second is honoured too.
    const auto sweep_every = std::clamp<clock::duration>(
        options.request_timeout / 4, std::chrono::milliseconds(50), std::chrono::seconds(1));
    auto next_sweep = clock::now() + sweep_every;
    while (!stopping.load(std::memory_order_relaxed)) {
      auto now = clock::now();
      auto wait_until = next_sweep;
      if (!deadlines.empty()) wait_until = std::min(wait_until, deadlines.front().when);
      const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait_until - now).count();
      const int timeout = static_cast<int>(std::clamp<long long>(wait_ms, 0, 1000));
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
      if (n < 0 && errno != EINTR) {
        say(ferry::log_level::error, "policy_server: epoll_wait: " + errno_text(errno));
        break;
      }
      for (int i = 0; i < n; ++i) {
        const auto tag = events[static_cast<std::size_t>(i)].data.u64;
        const auto ev = events[static_cast<std::size_t>(i)].events;
        if (tag == listen_tag) {
          accept_all();
        } else if (tag == wake_tag) {
          std::uint64_t count = 0;
          [[maybe_unused]] const auto r = ::read(wake_fd, &count, sizeof count);
          apply_completions();
        } else {
          const auto fd = static_cast<std::size_t>(tag);
          if (fd >= connections.size() || !connections[fd]) continue;
          connection& c = *connections[fd];
          if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) on_readable(c);
          if (!c.closed && (ev & EPOLLOUT) != 0) flush(c);
        }
      }
      now = clock::now();
      expire_deadlines(now);
      if (now >= next_sweep) {
        sweep_idle(now);
        next_sweep = now + sweep_every;
      }
      graveyard.clear();
    }
    for (auto& c : connections) {
      if (c) close_connection(*c);
    }
    graveyard.clear();
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const int err = errno;
        if (err == EINTR || err == ECONNABORTED) continue;
        if (err == EMFILE || err == ENFILE) {
          // Out of descriptors: refuse the waiting client with the spare one rather than
          // leave it hanging in the backlog.
          const auto refused = refuse_with_spare();
          if (refused == spare_outcome::refused) {
            refusal(std::string("out of descriptors (") + errno_text(err) + ")");
            continue;
          }
          if (refused == spare_outcome::backlog_empty) return;
        }
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
          // Still out of resources: stop polling the listener (level-triggered, it would
          // spin) until the next sweep; connected clients keep being served.
          say(ferry::log_level::warning,
              "policy_server: accept: " + errno_text(err) + "; pausing accepts");
          modify_epoll(listen_fd, 0, listen_tag);
          accept_paused = true;
        }
        return;
      }
      if (open_count >= max_connections) {
        ::close(fd);
        refusal("max_connections (" + std::to_string(max_connections) + ") reached");
        continue;
      }
      if (!where.is_unix) {
        // Answers are tiny and Postfix waits for each: never let Nagle hold one back.
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      const auto index = static_cast<std::size_t>(fd);
      if (index >= connections.size()) connections.resize(index + 64);
      auto c = std::make_unique<connection>(options.limits);
      c->fd = fd;
      c->serial = next_serial++;
      c->last_active = clock::now();
      try {
        add_to_epoll(fd, EPOLLIN | EPOLLRDHUP, static_cast<std::uint64_t>(fd));
      } catch (const std::exception& e) {
        say(ferry::log_level::warning, std::string("policy_server: ") + e.what());
        ::close(fd);
        continue;
      }
      connections[index] = std::move(c);
      ++open_count;
      event(server_event::connection_opened);
    }
  }

  enum class spare_outcome { refused, backlog_empty, unavailable };

  spare_outcome refuse_with_spare() {
    if (spare_fd < 0) spare_fd = open_spare_descriptor();
    if (spare_fd < 0) return spare_outcome::unavailable;
    ::close(spare_fd);
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    const int err = errno;
    if (fd >= 0) ::close(fd);
    spare_fd = open_spare_descriptor();  // another thread may have taken it: retried later
    if (fd >= 0) return spare_outcome::refused;
    return err == EAGAIN || err == EWOULDBLOCK ? spare_outcome::backlog_empty
                                               : spare_outcome::unavailable;
  }

  // A new connection closed at once: Postfix retries once and then applies
  // smtpd_policy_service_default_action (a 4xx), so mail waits instead of being lost.
  void refusal(const std::string& why) {
    event(server_event::connection_refused);
    if (auto line = refusals_reported.failed(why, clock::now())) {
      say(ferry::log_level::warning, "policy_server: " + *line + "; closing new connections");
    }
  }

  std::string peer_of(const connection& c) const {
    if (where.is_unix) return "unix";
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(c.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      port = ntohs(in6->sin6_port);
    }
    return std::string(host) + ":" + std::to_string(port);
  }

  void close_connection(connection& c) {
    if (c.closed) return;
    c.closed = true;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    --open_count;
    event(server_event::connection_closed);
    // Keep the object alive until the end of this loop iteration: callers up the stack may
    // still hold a reference. The fd slot is free for the next accept at once.
    graveyard.push_back(std::move(connections[static_cast<std::size_t>(c.fd)]));
  }

  void on_readable(connection& c) {
    bool eof = false;
    for (;;) {
      // Read into the loop's scratch buffer, then append only what arrived: no zero-filling
      // of a per-connection buffer on the hot path.
      const ssize_t n = ::read(c.fd, scratch.data(), scratch.size());
      if (n > 0) {
        c.in.append(scratch.data(), static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < scratch.size()) break;
        // A peer pushing more than one maximal request while we still owe it an answer is
        // not Postfix (which waits for each answer): stop buffering it.
        if (c.in.size() - c.in_off > options.limits.max_request_bytes + read_chunk) break;
        continue;
      }
      if (n == 0) {
        eof = true;
      } else if (errno == EINTR) {
        continue;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        eof = true;
      }
      break;
    }
    if (c.pending_job == 0) process_input(c);
    if (c.closed) return;
    if (eof) {
      // The peer hung up (Postfix closing an idle connection, or a client leaving mid-request):
      // whatever is half-read or still being decided is dropped with the connection.
      if (c.in.size() > c.in_off && log.enabled(ferry::log_level::debug)) {
        say(ferry::log_level::debug, "policy_server: peer closed mid-request (" +
                                         std::to_string(c.in.size() - c.in_off) +
                                         " bytes unanswered)");
      }
      close_connection(c);
      return;
    }
    if (c.pending_job != 0 &&
        c.in.size() - c.in_off > options.limits.max_request_bytes + options.limits.max_line_bytes) {
      protocol_failure(c, "too much input while an answer is pending");
    }
  }

  void protocol_failure(connection& c, std::string_view reason) {
    event(server_event::protocol_error);
    if (log.enabled(ferry::log_level::warning)) {
      say(ferry::log_level::warning,
          "policy_server: closing connection from " + peer_of(c) + ": " + std::string(reason));
    }
    close_connection(c);
  }

  void process_input(connection& c) {
    while (!c.closed && c.pending_job == 0) {
      const auto r = c.parser.consume(std::string_view(c.in).substr(c.in_off));
      c.in_off += r.consumed;
      if (r.status == parse_status::need_more) break;
      if (r.status != parse_status::request_ready) {
        protocol_failure(c, to_string(r.status));
        return;
      }
      handle_request(c);
    }
    if (c.closed) return;
    // The request_timeout clock runs from the first byte of a request until its empty line;
    // while an answer is pending, the decision_timeout bounds the wait instead.
    const bool partial = c.parser.in_request() || c.in_off < c.in.size();
    if (c.pending_job == 0 && partial && !c.request_started) c.request_started = clock::now();
    if (c.in_off == c.in.size()) {
      c.in.clear();
      c.in_off = 0;
    } else if (c.in_off > 0 && c.pending_job == 0) {
      c.in.erase(0, c.in_off);
      c.in_off = 0;
    }
  }

  void handle_request(connection& c) {
    c.request_done = clock::now();
    c.request_started.reset();
    first_decision first;
    try {
      first = handler.decide(c.parser.request());
    } catch (...) {
      answer(c, options.fallback, true);
      return;
    }
    if (auto* now = std::get_if<decision>(&first)) {
      answer(c, *now, false);
      return;
    }
    auto& work = std::get<blocking_decision>(first);
    if (!work || options.workers == 0) {  // no pool: the decider promised not to block
      const auto made = work ? run(work) : std::nullopt;
      answer(c, made ? *made : options.fallback, !made);
      return;
    }
    hand_to_worker(c, std::move(work));
  }

  void hand_to_worker(connection& c, blocking_decision work) {
    const auto deadline = c.request_done + options.decision_timeout;
    const auto id = next_job++;
    bool queued = false;
    {
      std::lock_guard lock(jobs_mutex);
      if (jobs.size() < options.max_queued_decisions) {
        jobs.push_back(job{c.fd, c.serial, id, std::move(work), deadline});
        queued = true;
      }
    }
    if (!queued) {
      say(ferry::log_level::warning, "policy_server: decision queue full; answering " +
                                         std::string(options.fallback.answer.text()));
      answer(c, options.fallback, true);
      return;
    }
    jobs_cv.notify_one();
    c.pending_job = id;
    deadlines.push_back(deadline_entry{deadline, c.fd, c.serial, id});
  }

  void answer(connection& c, const decision& made, bool fallback) {
    const auto now = clock::now();
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(now - c.request_done);
    if (handler.on_answer) {
      try {
        handler.on_answer(answered{c.parser.request(), made, latency, fallback});
      } catch (...) {
      }
    }
    c.out.append(made.answer.line());
    c.parser.reset();
    c.pending_job = 0;
    c.last_active = now;
    flush(c);
  }

  void flush(connection& c) {
    while (c.out_off < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!c.want_write) {
          c.want_write = true;
          modify_epoll(c.fd, EPOLLIN | EPOLLRDHUP | EPOLLOUT, static_cast<std::uint64_t>(c.fd));
        }
        return;
      }
      close_connection(c);  // EPIPE/ECONNRESET: the peer is gone
      return;
    }
    c.out.clear();
    c.out_off = 0;
    if (c.want_write) {
      c.want_write = false;
      modify_epoll(c.fd, EPOLLIN | EPOLLRDHUP, static_cast<std::uint64_t>(c.fd));
    }
  }

  connection* find(int fd, std::uint64_t serial, std::uint64_t id) {
    const auto index = static_cast<std::size_t>(fd);
    if (index >= connections.size() || !connections[index]) return nullptr;
    connection& c = *connections[index];
    if (c.closed || c.serial != serial || c.pending_job != id) return nullptr;
    return &c;
  }

  void apply_completions() {
    {
      std::lock_guard lock(done_mutex);
      done_local.swap(done);
    }
    for (const auto& d : done_local) {
      connection* c = find(d.fd, d.serial, d.id);
      if (c == nullptr) continue;  // timed out already, or the client left
      answer(*c, d.made ? *d.made : options.fallback, !d.made);
      if (!c->closed) process_input(*c);
    }
    done_local.clear();
  }

  void expire_deadlines(clock::time_point now) {
    while (!deadlines.empty() && deadlines.front().when <= now) {
      const auto d = deadlines.front();
      deadlines.pop_front();
      connection* c = find(d.fd, d.serial, d.id);
      if (c == nullptr) continue;
      event(server_event::decision_timeout);
      if (log.enabled(ferry::log_level::warning)) {
        const auto& r = c->parser.request();
        say(ferry::log_level::warning, "policy_server: no decision within " +
                                           std::to_string(options.decision_timeout.count()) +
                                           " ms for recipient=" + r.recipient +
                                           " client_address=" + r.client_address + "; answering " +
                                           std::string(options.fallback.answer.text()));
      }
      answer(*c, options.fallback, true);
      if (!c->closed) process_input(*c);
    }
  }

  // Many slow peers at once are one attack: one warning a minute, the rest at debug level.
  void request_timed_out(connection& c, clock::time_point now) {
    event(server_event::request_timeout);
    const std::string what = "closing connection from " + peer_of(c) +
                             ": request not complete within " +
                             seconds_text(options.request_timeout) + " (request_timeout)";
    if (auto line = timeouts_reported.failed(what, now)) {
      say(ferry::log_level::warning, "policy_server: " + *line);
    } else {
      say(ferry::log_level::debug, "policy_server: " + what);
    }
    close_connection(c);
  }

  void sweep_idle(clock::time_point now) {
    if (accept_paused) {
      accept_paused = false;
      modify_epoll(listen_fd, EPOLLIN, listen_tag);
    }
    for (auto& slot : connections) {
      if (!slot || slot->closed || slot->pending_job != 0) continue;
      if (slot->request_started) {
        if (now - *slot->request_started > options.request_timeout) request_timed_out(*slot, now);
      } else if (now - slot->last_active > options.idle_timeout) {
        event(server_event::idle_timeout);
        say(ferry::log_level::debug, "policy_server: closing idle connection");
        close_connection(*slot);
      }
    }
  }
};

policy_server::policy_server(policy_server_options options, policy_handler handler,
                             ferry::observer log)
    : impl_(std::make_unique<impl>(std::move(options), std::move(handler), std::move(log))) {}

policy_server::policy_server(policy_server_options options, policy_handler handler, log_hook log)
    : policy_server(std::move(options), std::move(handler), observer_for(std::move(log))) {}

policy_server::~policy_server() {
  try {
    stop();
  } catch (...) {
  }
}

void policy_server::start() {
  impl_->start();
}
void policy_server::stop() {
  impl_->stop();
}
int policy_server::port() const noexcept {
  return impl_->bound_port;
}
std::string policy_server::address() const {
  return impl_->address();
}

}  // namespace ferry::postfix
