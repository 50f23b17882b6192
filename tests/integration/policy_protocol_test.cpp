// ferry-policyd's server over real sockets: the Postfix policy protocol, concurrency, hostile
// peers, slow directories, limits, the admin endpoint, and the binary itself.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "decision.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "policy_test_client.hpp"

using namespace ferry::apps::policy;
using client = ferry::test::policy_client;
using namespace std::chrono_literals;

namespace {

std::string rcpt(const std::string& recipient) {
  return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
         "client_address=192.0.2.10\nclient_name=mx.example\nhelo_name=mx.example\n"
         "sender=sender@example.org\nrecipient=" +
         recipient + "\nrecipient_count=0\nqueue_id=\ninstance=abc.1\nsize=0\n\n";
}

const std::string mail_state =
    "request=smtpd_access_policy\nprotocol_state=MAIL\nsender=sender@example.org\n\n";
const std::string dunno = "action=DUNNO\n\n";
const std::string reject = "action=REJECT 5.1.1 User unknown\n\n";
const std::string defer = "action=DEFER_IF_PERMIT Service temporarily unavailable\n\n";

// A directory that looks like the database: may block, optionally slow.
class slow_directory final : public recipient_directory {
 public:
  explicit slow_directory(std::chrono::milliseconds delay) : delay_(delay) {}
  std::optional<recipient_status> lookup(std::string_view address) override {
    std::this_thread::sleep_for(delay_);
    if (address == "known@test.example") return recipient_status{};
    return std::nullopt;
  }
  bool may_block() const noexcept override { return true; }

 private:
  std::chrono::milliseconds delay_;
};

struct service {
  explicit service(recipient_directory& dir, policy_server_options options = {})
      : engine(dir),
        server(recipient_server(engine, with_free_port(std::move(options)), &stats.server(),
                                log.observer())) {
    server.start();
  }
  static policy_server_options with_free_port(policy_server_options o) {
    if (o.listen == policy_server_options{}.listen) o.listen = "127.0.0.1:0";
    return o;
  }
  metrics stats;
  logger log{log_level::error};
  policy_engine engine;
  policy_server server;
};

memory_directory& known_directory() {
  static const auto dir = [] {
    auto d = std::make_unique<memory_directory>();
    d->add_address("known@test.example");
    d->add_address("off@test.example", false);
    return d;
  }();
  return *dir;
}

std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  [[maybe_unused]] const auto w = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("policy server answers many requests on one connection", "[policy]") {
  service svc(known_directory());
  client c(svc.server.port());
  for (int i = 0; i < 500; ++i) {
    REQUIRE(c.ask(rcpt("known@test.example")) == dunno);
    REQUIRE(c.ask(rcpt("Unknown" + std::to_string(i) + "@test.example")) == reject);
    REQUIRE(c.ask(mail_state) == dunno);
  }
  CHECK(c.ask(rcpt("<KNOWN@Test.Example>")) == dunno);
  CHECK(c.ask(rcpt("off@test.example")) == reject);
  CHECK(svc.stats.decisions(verdict::accept) == 501);
  CHECK(svc.stats.decisions(verdict::reject_unknown) == 500);
}

TEST_CASE("policy server answers pipelined requests in order", "[policy]") {
  service svc(known_directory());
  client c(svc.server.port());
  REQUIRE(c.send(rcpt("known@test.example") + rcpt("nobody@test.example") + mail_state));
  CHECK(c.answer() == dunno);
  CHECK(c.answer() == reject);
  CHECK(c.answer() == dunno);
}

TEST_CASE("policy server serves 50 concurrent connections", "[policy]") {
  slow_directory fast_db(0ms);  // goes through the worker pool, like the database will
  service svc(fast_db);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&, t] {
      client c(svc.server.port());
      for (int i = 0; i < 100; ++i) {
        const bool known = (i + t) % 2 == 0;
        const auto a = c.ask(rcpt(known ? "known@test.example" : "x" + std::to_string(i) + "@t"));
        if (a != (known ? dunno : reject)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(svc.stats.decisions(verdict::accept) + svc.stats.decisions(verdict::reject_unknown) ==
        5000);
}

TEST_CASE("policy server: RCPT without recipient is DUNNO", "[policy][hostile]") {
  service svc(known_directory());
  client c(svc.server.port());
  CHECK(c.ask("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@b\n\n") == dunno);
  CHECK(c.ask("request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=\n\n") == dunno);
  CHECK(c.ask(rcpt("known@test.example")) == dunno);  // the connection still works
}

TEST_CASE("policy server closes hostile connections and keeps serving others",
          "[policy][hostile]") {
  service svc(known_directory());
  client good(svc.server.port());
  REQUIRE(good.ask(rcpt("known@test.example")) == dunno);

  SECTION("a 70 KiB line") {
    client bad(svc.server.port());
    bad.send("request=smtpd_access_policy\nrecipient=" + std::string(70 * 1024, 'a'));
    CHECK(bad.closed_by_server());
  }
  SECTION("binary junk") {
    client bad(svc.server.port());
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
    bad.send(junk + "\n\n");
    CHECK(bad.closed_by_server());
  }
  SECTION("an oversized request of many short lines") {
    client bad(svc.server.port());
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "x" + std::to_string(i) + "=y\n";
    bad.send(many);
    CHECK(bad.closed_by_server());
  }
  SECTION("a client leaving mid-request") {
    const auto before = svc.stats.open_connections();
    {
      client bad(svc.server.port());
      bad.send("request=smtpd_access_policy\nprotocol_state=RCPT\nrecip");
    }
    CHECK(ferry::test::wait_until([&] { return svc.stats.open_connections() == before; }, 5s));
  }
  SECTION("a client leaving while its slow answer is pending") {
    slow_directory slow(500ms);
    service slow_svc(slow);
    {
      client bad(slow_svc.server.port());
      bad.send(rcpt("known@test.example"));
      std::this_thread::sleep_for(50ms);
    }
    CHECK(ferry::test::wait_until([&] { return slow_svc.stats.open_connections() == 0; }, 5s));
    client next(slow_svc.server.port());
    CHECK(next.ask(rcpt("known@test.example")) == dunno);
  }
  CHECK(good.ask(rcpt("known@test.example")) == dunno);
  CHECK(good.ask(rcpt("nobody@test.example")) == reject);
  client fresh(svc.server.port());
  CHECK(fresh.ask(rcpt("known@test.example")) == dunno);
}

TEST_CASE("policy server: a 64 KiB line ending in CRLF is accepted however it is segmented",
          "[policy][limits]") {
  service svc(known_directory());
  // One line of exactly max_line_bytes (64 KiB) of content: an ignored attribute.
  const std::string head =
      "request=smtpd_access_policy\r\nprotocol_state=RCPT\r\n"
      "recipient=known@test.example\r\nfiller=" +
      std::string(64 * 1024 - 7, 'a');
  SECTION("in one write") {
    client c(svc.server.port());
    CHECK(c.ask(head + "\r\n\r\n") == dunno);
  }
  SECTION("'\\r' and '\\n' in separate writes") {
    client c(svc.server.port());
    REQUIRE(c.send(head + "\r"));
    std::this_thread::sleep_for(100ms);  // the server reads the '\r' alone
    CHECK(c.ask("\n\r\n") == dunno);
  }
  SECTION("the terminators byte by byte") {
    client c(svc.server.port());
    REQUIRE(c.send(head));
    for (const char* b : {"\r", "\n", "\r"}) {
      std::this_thread::sleep_for(50ms);
      REQUIRE(c.send(b));
    }
    CHECK(c.ask("\n") == dunno);
  }
  SECTION("one byte more is refused, in one write or split") {
    client whole(svc.server.port());
    whole.send(head + "a\r\n\r\n");
    CHECK(whole.closed_by_server());
    client split(svc.server.port());
    split.send(head + "a\r");
    std::this_thread::sleep_for(100ms);
    split.send("\n\r\n");
    CHECK(split.closed_by_server());
  }
  CHECK(svc.stats.decisions(verdict::accept) <= 1);
}

TEST_CASE("policy server keeps answering with 1,000 idle connections open", "[policy][hostile]") {
  // Both ends live in this process: 2,000+ descriptors.
  rlimit files{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  REQUIRE(files.rlim_cur >= 2100);
  service svc(known_directory());
  std::vector<std::unique_ptr<client>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<client>(svc.server.port()));
  REQUIRE(ferry::test::wait_until([&] { return svc.stats.open_connections() == 1000; }, 10s));
  client active(svc.server.port());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) REQUIRE(active.ask(rcpt("known@test.example")) == dunno);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  // A few of the idle ones wake up and work too.
  CHECK(idle[0]->ask(rcpt("known@test.example")) == dunno);
  CHECK(idle[999]->ask(rcpt("nobody@test.example")) == reject);
}

TEST_CASE("policy server defers when the directory fails", "[policy][timeout]") {
  class broken final : public recipient_directory {
   public:
    std::optional<recipient_status> lookup(std::string_view) override {
      throw std::runtime_error("database down");
    }
  } dir;
  service svc(dir);
  client c(svc.server.port());
  CHECK(c.ask(rcpt("known@test.example")) == defer);
  CHECK(c.ask(rcpt("nobody@test.example")) == defer);
  CHECK(c.ask(mail_state) == dunno);
}

TEST_CASE("policy server defers when the directory is too slow", "[policy][timeout]") {
  slow_directory slow(3000ms);
  policy_server_options options;
  options.decision_timeout = 1000ms;
  service svc(slow, options);
  client c(svc.server.port());
  const auto start = std::chrono::steady_clock::now();
  CHECK(c.ask(rcpt("known@test.example")) == defer);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 950ms);
  CHECK(took < 1800ms);  // ~1 s; slack for loaded CI machines
  CHECK(svc.stats.decision_timeouts() == 1);
  CHECK(svc.stats.decisions(verdict::defer) == 1);
  // The connection stays usable; states that need no lookup are answered at once.
  const auto again = std::chrono::steady_clock::now();
  CHECK(c.ask(mail_state) == dunno);
  CHECK(std::chrono::steady_clock::now() - again < 500ms);
}

TEST_CASE("policy server closes idle connections after idle_timeout", "[policy][limits]") {
  policy_server_options options;
  options.idle_timeout = 1s;
  service svc(known_directory(), options);
  client c(svc.server.port());
  REQUIRE(c.ask(rcpt("known@test.example")) == dunno);
  const auto start = std::chrono::steady_clock::now();
  CHECK(c.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - start < 4s);
}

TEST_CASE("policy server refuses connections beyond max_connections", "[policy][limits]") {
  policy_server_options options;
  options.max_connections = 3;
  service svc(known_directory(), options);
  client a(svc.server.port()), b(svc.server.port()), c(svc.server.port());
  REQUIRE(a.ask(rcpt("known@test.example")) == dunno);
  REQUIRE(b.ask(rcpt("known@test.example")) == dunno);
  REQUIRE(c.ask(rcpt("known@test.example")) == dunno);
  client d(svc.server.port());
  CHECK(d.closed_by_server());
  a.close();
  REQUIRE(ferry::test::wait_until([&] { return svc.stats.open_connections() == 2; }, 5s));
  client e(svc.server.port());
  CHECK(e.ask(rcpt("known@test.example")) == dunno);
}

TEST_CASE("policy server refuses new clients at once when descriptors run out",
          "[policy][limits]") {
  service svc(known_directory());  // planned under the normal open-files limit
  {
    // Once before descriptors are scarce: UBSan's first check of a virtual call opens a
    // pipe, so the server's code paths are warmed up here.
    client warm(svc.server.port());
    REQUIRE(warm.ask(rcpt("known@test.example")) == dunno);
  }
  // Client sockets made first, connected once descriptors are scarce: the server's accept()
  // then fails with EMFILE while clients wait in the backlog.
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) fds.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fds.back() >= 0);
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  // New descriptors take the lowest free number, below the limit: the last socket made was
  // the lowest free one, so at most 5 numbers are left (others above it may stay open).
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(fds.back() + 6);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);

  // No test assertions until the limit is restored (they may need a descriptor too).
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(svc.server.port()));
  const timeval three_seconds{3, 0};
  int connected = 0;
  for (const int fd : fds) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &three_seconds, sizeof three_seconds);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) ++connected;
  }
  const std::string request = rcpt("known@test.example");
  int served = 0;
  int refused = 0;
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (const int fd : fds) {
    const auto asked = std::chrono::steady_clock::now();
    [[maybe_unused]] const auto w = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[64];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n > 0 && std::string(buf, static_cast<std::size_t>(n)) == dunno) {
      ++served;
    } else if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      ++refused;
    }
    slowest = std::max(slowest, std::chrono::steady_clock::now() - asked);
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
  for (const int fd : fds) ::close(fd);

  CHECK(connected == 40);
  CHECK(served > 0);
  CHECK(refused > 0);
  CHECK(served + refused == 40);
  CHECK(slowest < 2s);              // never left waiting
  client after(svc.server.port());  // and serving as before once descriptors are back
  CHECK(after.ask(rcpt("known@test.example")) == dunno);
}

TEST_CASE("policy server listens on a unix socket", "[policy]") {
  ferry::test::temp_dir dir("ferry-policy");
  policy_server_options options;
  options.listen = "unix:" + dir.path() + "/policy.sock";
  service svc(known_directory(), options);
  client c(dir.path() + "/policy.sock");
  CHECK(c.ask(rcpt("known@test.example")) == dunno);
  CHECK(c.ask(rcpt("nobody@test.example")) == reject);
}

TEST_CASE("ferry-policyd serves, reports metrics and stops on SIGTERM", "[policy][binary]") {
  const int port = ferry::test::free_port();
  const int admin_port = ferry::test::free_port();
  ferry::test::temp_dir dir("ferry-policyd");
  ferry::test::spawn_options spawn;
  spawn.log_file = dir.path() + "/policyd.log";
  spawn.env = {{"DATABASE_URL", "memory:known@test.example"},
               {"POLICY_LISTEN", "127.0.0.1:" + std::to_string(port)}};
  ferry::test::child_process policyd(
      {FERRY_POLICYD_PATH, "--admin-listen", "127.0.0.1:" + std::to_string(admin_port),
       "--log-level", "debug"},
      spawn);
  REQUIRE(ferry::test::wait_until(
      [&] { return http_get(admin_port, "/health").find("ok") != std::string::npos; }, 10s));
  {
    client c(port);
    CHECK(c.ask(rcpt("Known@test.example")) == dunno);
    CHECK(c.ask(rcpt("nobody@test.example")) == reject);
  }
  const auto text = http_get(admin_port, "/metrics");
  CHECK(text.find("ferry_policy_requests_total{action=\"ok\",verdict=\"accept\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_requests_total{action=\"reject\",verdict=\"reject_unknown\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_decision_seconds_count 2") != std::string::npos);
  CHECK(text.find("ferry_policy_cache_hits_total") != std::string::npos);
  policyd.signal_group(SIGTERM);
  CHECK(policyd.wait_for_exit(10s));
  const auto log = ferry::test::run_command({"cat", dir.path() + "/policyd.log"});
  CHECK(log.find("decision state=RCPT recipient=nobody@test.example") != std::string::npos);
}

namespace {

// ferry-policyd on a free port with the in-memory directory; its log in `dir`.
ferry::test::child_process start_policyd(int port, const ferry::test::temp_dir& dir,
                                         std::map<std::string, std::string> env,
                                         std::vector<std::string> args,
                                         std::optional<std::size_t> max_open_files = {}) {
  ferry::test::spawn_options spawn;
  spawn.log_file = dir.path() + "/policyd.log";
  spawn.env = std::move(env);
  spawn.env["DATABASE_URL"] = "memory:known@test.example";
  spawn.env["POLICY_LISTEN"] = "127.0.0.1:" + std::to_string(port);
  args.insert(args.begin(), {FERRY_POLICYD_PATH, "--admin-listen", "off"});
  if (max_open_files) {
    // util-linux's prlimit sets RLIMIT_NOFILE (soft and hard), then execs the server.
    const auto n = std::to_string(*max_open_files);
    args.insert(args.begin(), {"prlimit", "--nofile=" + n + ":" + n, "--"});
  }
  ferry::test::child_process policyd(args, spawn);
  REQUIRE(ferry::test::wait_until([&] { return ferry::test::port_open(port); }, 10s));
  return policyd;
}

}  // namespace

TEST_CASE("ferry-policyd: peers trickling requests byte by byte cannot hold every connection",
          "[policy][binary][hostile]") {
  const int port = ferry::test::free_port();
  ferry::test::temp_dir dir("ferry-policyd");
  // The deadline through its variable, so a binary without one still starts (and fails here).
  auto policyd =
      start_policyd(port, dir, {{"POLICY_REQUEST_TIMEOUT", "2"}}, {"--max-connections", "20"});
  {
    client warm(port);
    REQUIRE(warm.ask(rcpt("known@test.example")) == dunno);
  }
  // 20 peers, each starting a request and adding a byte every 0.5 s: the idle timer alone
  // would never fire for them.
  std::vector<std::unique_ptr<client>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<client>(port));
    REQUIRE(slow.back()->send("request=smtpd_access_policy\nrecipient="));
  }
  const auto full_since = std::chrono::steady_clock::now();
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      for (auto& c : slow) (void)c->send("a");
      std::this_thread::sleep_for(500ms);
    }
  });
  {
    client refused(port);  // full: closed at once, not left waiting
    CHECK(refused.closed_by_server());
  }
  // Within request_timeout (2 s) plus the once-a-second check, the slow peers are closed and
  // a Postfix-like client is answered.
  std::string answer;
  while (answer.empty() && std::chrono::steady_clock::now() - full_since < 10s) {
    client c(port);
    c.set_timeout(1s);
    answer = c.ask(rcpt("known@test.example"));
    if (answer.empty()) std::this_thread::sleep_for(200ms);
  }
  const auto waited = std::chrono::steady_clock::now() - full_since;
  trickling = false;
  trickle.join();
  CHECK(answer == dunno);
  CHECK(waited < 5s);
  for (auto& c : slow) CHECK(c->closed_by_server());
  policyd.terminate();
  const auto log = ferry::test::run_command({"cat", dir.path() + "/policyd.log"});
  CHECK(log.find("request not complete within 2 s") != std::string::npos);
}

TEST_CASE(
    "ferry-policyd: with an open-files limit below max_connections, new clients are "
    "refused at once, not left waiting",
    "[policy][binary][limits]") {
  const int port = ferry::test::free_port();
  ferry::test::temp_dir dir("ferry-policyd");
  auto policyd = start_policyd(port, dir, {}, {"--max-connections", "100"}, 64);
  // More peers than 64 descriptors can hold; each is either served or closed at once.
  std::vector<std::unique_ptr<client>> held;
  for (int i = 0; i < 80; ++i) held.push_back(std::make_unique<client>(port));
  std::this_thread::sleep_for(300ms);  // let the server accept (or refuse) them all
  int served = 0;
  for (auto& c : held) {
    c->set_timeout(3s);
    const auto asked = std::chrono::steady_clock::now();
    const auto a = c->ask(rcpt("known@test.example"));
    if (a == dunno) {
      ++served;
      continue;
    }
    CHECK(a.empty());
    // Closed by the server at once, not left waiting in the backlog.
    if (std::chrono::steady_clock::now() - asked > 2s) FAIL("a client waited with no answer");
  }
  CHECK(served > 0);
  CHECK(served < 80);
  // A newcomer while they are held: answered (a slot freed) or refused, at once either way.
  const auto start = std::chrono::steady_clock::now();
  {
    client late(port);
    late.set_timeout(3s);
    const auto a = late.ask(rcpt("known@test.example"));
    CHECK((a == dunno || a.empty()));
  }
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  // Room again once some leave.
  held.clear();
  CHECK(ferry::test::wait_until(
      [&] {
        client c(port);
        c.set_timeout(1s);
        return c.ask(rcpt("known@test.example")) == dunno;
      },
      5s, 100ms));
  policyd.terminate();
  const auto log = ferry::test::run_command({"cat", dir.path() + "/policyd.log"});
  CHECK(log.find("the open-files limit (RLIMIT_NOFILE 64)") != std::string::npos);
}
