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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Postfix policy load client (C++)"};
  std::string host = "127.0.0.1";
  int port = 10040;
  int connections = 8;
  int requests = 1000;
  int recipients = 0;
  int reject_every = 10;
  std::string domain = "logging.email";
  std::string template_path;
  double max_seconds = 60;
  app.add_option("--host", host, "numeric IPv4 address");
  app.add_option("--port", port)->required();
  app.add_option("-k,--connections", connections)->check(CLI::Range(1, 1000));
  app.add_option("-n,--requests", requests, "per connection")->check(CLI::Range(1, 1000000));
  app.add_option("--recipients", recipients, "cycle over load-0..load-(M-1); 0: a new one each");
  app.add_option("--reject-every", reject_every, "with --recipients 0: every X-th is nobody-*");
  app.add_option("--domain", domain);
  app.add_option(
         "--template", template_path,
         "raw policy request to replay (tests/bench/peers/policy/sample-policy-request.txt)")
      ->required();
  app.add_option("--max-seconds", max_seconds)->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);

  std::ifstream file(template_path);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", template_path.c_str());
    return 2;
  }
  const std::string head = request_head(
      std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()));

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "bad --host %s\n", host.c_str());
    return 2;
  }
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<conn> conns(static_cast<std::size_t>(connections));
  std::vector<std::string> errors;
  for (int i = 0; i < connections; ++i) {
    conn& c = conns[static_cast<std::size_t>(i)];
    c.index = i;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      errors.push_back(std::string("connect: ") + std::strerror(errno));
      c.done = true;
      continue;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  std::vector<std::int64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(connections) * static_cast<std::size_t>(requests));
  std::map<std::string, long> actions;
  const auto t0 = steady::now();
  const auto deadline = t0 + std::chrono::duration<double>(max_seconds);
  bool stopped_by_time = false;

  // Sends the next request on `c` (blocking send: requests are small and the socket buffer
  // is empty, the previous answer having been read).
  const auto send_next = [&](conn& c) {
    if (c.sent >= requests || steady::now() > deadline) {
      if (c.sent < requests) stopped_by_time = true;
      c.done = true;
      return;
    }
    const long n = static_cast<long>(c.index) * requests + c.sent + 1;
    std::string local;
    if (recipients > 0) {
      local = "load-" + std::to_string(n % recipients);
    } else {
      const bool reject = reject_every > 0 && n % reject_every == 0;
      local =
          (reject ? "nobody-" : "load-") + std::to_string(c.index) + "-" + std::to_string(c.sent);
    }
    c.out = head;
    c.out += "recipient=" + local + "@" + domain + "\n\n";
    ++c.sent;
    c.started = steady::now();
    std::size_t off = 0;
    while (off < c.out.size()) {
      const auto w = ::send(c.fd, c.out.data() + off, c.out.size() - off, MSG_NOSIGNAL);
      if (w <= 0) {
        errors.push_back(std::string("send: ") + std::strerror(errno));
        c.done = true;
        return;
      }
      off += static_cast<std::size_t>(w);
    }
  };

  for (auto& c : conns) {
    if (!c.done) send_next(c);
  }
  std::vector<epoll_event> events(static_cast<std::size_t>(connections));
  char buf[8192];
  auto remaining = [&] {
    return std::count_if(conns.begin(), conns.end(), [](const conn& c) { return !c.done; });
  };
  while (remaining() > 0) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10000);
    if (n == 0) {
      errors.emplace_back("no answer within 10 s");
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      errors.push_back(std::string("epoll_wait: ") + std::strerror(errno));
      break;
    }
    for (int e = 0; e < n; ++e) {
      conn& c = conns[events[static_cast<std::size_t>(e)].data.u32];
      if (c.done) continue;
      const auto r = ::read(c.fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        errors.emplace_back("server closed connection");
        c.done = true;
        continue;
      }
      c.in.append(buf, static_cast<std::size_t>(r));
      const auto end = c.in.find("\n\n");
      if (end == std::string::npos) continue;
      latencies.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - c.started).count());
      // The verb of the action, as the Python client counts them.
      std::string verb = "(none)";
      if (const auto a = c.in.find("action="); a != std::string::npos && a < end) {
        const auto stop = c.in.find_first_of(" \n", a + 7);
        verb = c.in.substr(a + 7, stop - a - 7);
        for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
      ++actions[verb];
      c.in.erase(0, end + 2);
      send_next(c);
    }
  }
  const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
  for (auto& c : conns) {
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(ep);

  std::sort(latencies.begin(), latencies.end());
  const auto count = latencies.size();
  std::printf("target=%s:%d template=%s\n", host.c_str(), port, template_path.c_str());
  std::printf("connections=%d requests/conn=%d completed=%zu elapsed=%.3fs%s\n", connections,
              requests, count, elapsed,
              stopped_by_time && errors.empty() ? " (stopped by --max-seconds)" : "");
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
  for (const auto& [verb, n] : actions) {
    if (!summary.empty()) summary += ", ";
    summary += verb + "=" + std::to_string(n);
  }
  std::printf("actions: %s\n", summary.c_str());
  if (!errors.empty()) {
    std::printf("errors (%zu): %s\n", errors.size(), errors.front().c_str());
    return 1;
  }
  return 0;
}
