// ferry-bench-policy-load: a load client for Postfix SMTPD access policy servers, in C++.
//
// The same requests, connections and output as tests/bench/peers/policy/policy-load.py (K
// connections kept open, one request outstanding on each, as Postfix's smtpd processes do;
// recipients cycling over load-0..load-(M-1)), but one thread driving every connection with
// epoll, so the client is not what limits a fast server. scripts/bench uses it for both
// ferry-policyd and postfwd2, so the two are measured by the same client in the same run.
//
//   ferry-bench-policy-load --port 10040 --template FILE [-k 8] [-n 5000] [--recipients 4]
//                           [--domain logging.email] [--max-seconds 60]
//
// Prints "throughput=N requests/s" and "latency ms: p50=.. p90=.. p99=.. max=.. mean=..";
// exits 1 when any request fails (connect error, closed connection, no answer in 10 s).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using steady = std::chrono::steady_clock;

namespace {

// Every attribute line of the template but recipient=, each ended by "\n" (as the Python
// client builds them).
std::string request_head(const std::string& text) {
  std::istringstream in(text);
  std::string line, head;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("recipient=", 0) == 0) continue;
    head += line + "\n";
  }
  return head;
}

struct conn {
  int fd = -1;
  int index = 0;
  int sent = 0;  // requests sent so far
  std::string out;
  std::size_t out_off = 0;
  std::string in;
  steady::time_point started{};
  bool done = false;
};

double percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return NAN;
  auto k = static_cast<long>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()))) - 1;
  k = std::clamp<long>(k, 0, static_cast<long>(sorted.size()) - 1);
  return static_cast<double>(sorted[static_cast<std::size_t>(k)]) / 1e6;
}

struct load_options {
  std::string host = "127.0.0.1";
  int port = 10040;
  int connections = 8;
  int requests = 1000;  // per connection
  int recipients = 0;
  int reject_every = 10;
  std::string domain = "logging.email";
  std::string template_path;
  double max_seconds = 60;
};

// One run's connections and what it measured; one thread drives them all through `ep`.
struct load_run {
  load_run(const load_options& options, std::string request_head)
      : o(options), head(std::move(request_head)), conns(static_cast<std::size_t>(o.connections)) {
    latencies.reserve(static_cast<std::size_t>(o.connections) *
                      static_cast<std::size_t>(o.requests));
  }
  ~load_run() {
    for (auto& c : conns) {
      if (c.fd >= 0) ::close(c.fd);
    }
    if (ep >= 0) ::close(ep);
  }
  load_run(const load_run&) = delete;
  load_run& operator=(const load_run&) = delete;

  const load_options& o;
  const std::string head;
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<conn> conns;
  std::vector<std::string> errors;
  std::vector<std::int64_t> latencies;  // ns, one per answer
  std::map<std::string, long> actions;  // answers by action verb
  steady::time_point deadline{};
  bool stopped_by_time = false;
};

// Every connection opened (TCP_NODELAY) and registered for reading; a failed connect is an error
// and its connection is done.
void connect_all(load_run& r, const sockaddr_in& addr) {
  for (int i = 0; i < r.o.connections; ++i) {
    conn& c = r.conns[static_cast<std::size_t>(i)];
    c.index = i;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      r.errors.push_back(std::string("connect: ") + std::strerror(errno));
      c.done = true;
      continue;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(r.ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
}

// The local part of the next request's recipient: cycling over load-0..load-(M-1), or a new one
// each time with every reject_every-th a nobody-* that the server refuses.
std::string next_local_part(const load_options& o, const conn& c) {
  const long n = static_cast<long>(c.index) * o.requests + c.sent + 1;
  if (o.recipients > 0) return "load-" + std::to_string(n % o.recipients);
  const bool reject = o.reject_every > 0 && n % o.reject_every == 0;
  return (reject ? "nobody-" : "load-") + std::to_string(c.index) + "-" + std::to_string(c.sent);
}

// Sends the next request on `c` (blocking send: requests are small and the socket buffer
// is empty, the previous answer having been read).
void send_next(load_run& r, conn& c) {
  if (c.sent >= r.o.requests || steady::now() > r.deadline) {
    if (c.sent < r.o.requests) r.stopped_by_time = true;
    c.done = true;
    return;
  }
  c.out = r.head;
  c.out += "recipient=" + next_local_part(r.o, c) + "@" + r.o.domain + "\n\n";
  ++c.sent;
  c.started = steady::now();
  std::size_t off = 0;
  while (off < c.out.size()) {
    const auto w = ::send(c.fd, c.out.data() + off, c.out.size() - off, MSG_NOSIGNAL);
    if (w <= 0) {
      r.errors.push_back(std::string("send: ") + std::strerror(errno));
      c.done = true;
      return;
    }
    off += static_cast<std::size_t>(w);
  }
}

// The verb of the answer's action (upper case, as the Python client counts them), "(none)"
// without one; `end` is where the answer's empty line starts.
std::string action_verb(const std::string& in, std::size_t end) {
  std::string verb = "(none)";
  if (const auto a = in.find("action="); a != std::string::npos && a < end) {
    const auto stop = in.find_first_of(" \n", a + 7);
    verb = in.substr(a + 7, stop - a - 7);
    for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return verb;
}

// Reads what `c` received; a complete answer is timed and counted, and the next request sent.
void on_readable(load_run& r, conn& c) {
  char buf[8192];
  const auto n = ::read(c.fd, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    r.errors.emplace_back("server closed connection");
    c.done = true;
    return;
  }
  c.in.append(buf, static_cast<std::size_t>(n));
  const auto end = c.in.find("\n\n");
  if (end == std::string::npos) return;
  r.latencies.push_back(
      std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - c.started).count());
  ++r.actions[action_verb(c.in, end)];
  c.in.erase(0, end + 2);
  send_next(r, c);
}

// Until every connection is done, or no answer came for 10 s, or epoll failed.
void drive(load_run& r) {
  std::vector<epoll_event> events(static_cast<std::size_t>(r.o.connections));
  const auto remaining = [&] {
    return std::count_if(r.conns.begin(), r.conns.end(), [](const conn& c) { return !c.done; });
  };
  while (remaining() > 0) {
    const int n = ::epoll_wait(r.ep, events.data(), static_cast<int>(events.size()), 10000);
    if (n == 0) {
      r.errors.emplace_back("no answer within 10 s");
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      r.errors.push_back(std::string("epoll_wait: ") + std::strerror(errno));
      return;
    }
    for (int e = 0; e < n; ++e) {
      conn& c = r.conns[events[static_cast<std::size_t>(e)].data.u32];
      if (!c.done) on_readable(r, c);
    }
  }
}

void print_report(load_run& r, double elapsed) {
  auto& latencies = r.latencies;
  std::sort(latencies.begin(), latencies.end());
  const auto count = latencies.size();
  std::printf("target=%s:%d template=%s\n", r.o.host.c_str(), r.o.port, r.o.template_path.c_str());
  std::printf("connections=%d requests/conn=%d completed=%zu elapsed=%.3fs%s\n", r.o.connections,
              r.o.requests, count, elapsed,
              r.stopped_by_time && r.errors.empty() ? " (stopped by --max-seconds)" : "");
  std::printf("throughput=%.0f requests/s\n",
              elapsed > 0 ? static_cast<double>(count) / elapsed : 0);
  if (count > 0) {
    double sum = 0;
    for (const auto l : latencies) sum += static_cast<double>(l);
    std::printf("latency ms: p50=%.3f p90=%.3f p99=%.3f max=%.3f mean=%.3f\n",
                percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                static_cast<double>(latencies.back()) / 1e6,
                sum / static_cast<double>(count) / 1e6);
  }
  std::string summary;
  for (const auto& [verb, n] : r.actions) {
    if (!summary.empty()) summary += ", ";
    summary += verb + "=" + std::to_string(n);
  }
  std::printf("actions: %s\n", summary.c_str());
  if (!r.errors.empty()) {
    std::printf("errors (%zu): %s\n", r.errors.size(), r.errors.front().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Postfix policy load client (C++)"};
  load_options o;
  app.add_option("--host", o.host, "numeric IPv4 address");
  app.add_option("--port", o.port)->required();
  app.add_option("-k,--connections", o.connections)->check(CLI::Range(1, 1000));
  app.add_option("-n,--requests", o.requests, "per connection")->check(CLI::Range(1, 1000000));
  app.add_option("--recipients", o.recipients, "cycle over load-0..load-(M-1); 0: a new one each");
  app.add_option("--reject-every", o.reject_every, "with --recipients 0: every X-th is nobody-*");
  app.add_option("--domain", o.domain);
  app.add_option(
         "--template", o.template_path,
         "raw policy request to replay (tests/bench/peers/policy/sample-policy-request.txt)")
      ->required();
  app.add_option("--max-seconds", o.max_seconds)->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);

  std::ifstream file(o.template_path);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", o.template_path.c_str());
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "bad --host %s\n", o.host.c_str());
    return 2;
  }
  load_run r(o, request_head(std::string(std::istreambuf_iterator<char>(file),
                                         std::istreambuf_iterator<char>())));
  connect_all(r, addr);
  const auto t0 = steady::now();
  r.deadline = t0 + std::chrono::duration_cast<steady::duration>(
                        std::chrono::duration<double>(o.max_seconds));
  for (auto& c : r.conns) {
    if (!c.done) send_next(r, c);
  }
  drive(r);
  const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
  print_report(r, elapsed);
  return r.errors.empty() ? 0 : 1;
}
