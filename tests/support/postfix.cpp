#include "ferry_test/postfix.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "files.hpp"

namespace ferry::test {
namespace {

using detail::read_file;
using detail::tail;
using detail::write_file;

constexpr const char* mail_owner = "postfix";
constexpr const char* setgid_group = "postdrop";

void make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    throw std::runtime_error("postfix_server: mkdir " + path + " failed");
  }
  ::chmod(path.c_str(), mode);
}

// True when 127.0.0.1:port greets with an SMTP 220 banner within a second.
bool smtp_banner(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    char buf[512];
    const auto n = ::read(fd, buf, sizeof buf);
    ok = n >= 3 && std::string(buf, 3) == "220";
    if (ok) {
      const char quit[] = "QUIT\r\n";
      [[maybe_unused]] const auto w = ::write(fd, quit, sizeof quit - 1);
    }
  }
  ::close(fd);
  return ok;
}

smtp_reply parse_reply(const std::string& line) {
  // swaks prints server lines as "<-  250 ..." (success) or "<** 554 ..." (failure).
  smtp_reply r;
  r.text = line.size() > 4 ? line.substr(4) : "";
  if (r.text.size() >= 3) r.code = std::atoi(r.text.substr(0, 3).c_str());
  return r;
}

// The last line of the server's reply to the first command line starting with `command`.
smtp_reply reply_after(const std::string& transcript, const std::string& command) {
  std::istringstream in(transcript);
  std::string line;
  bool armed = false;
  smtp_reply last;
  while (std::getline(in, line)) {
    if (!armed) {
      armed = command == "." ? line == " -> ." : line.rfind(" -> " + command, 0) == 0;
      continue;
    }
    if (line.rfind("<-", 0) == 0 || line.rfind("<**", 0) == 0) {
      last = parse_reply(line);
      // "250-" continues a multi-line reply; "250 " ends it.
      if (last.text.size() < 4 || last.text[3] != '-') return last;
    } else if (line.rfind(" ->", 0) == 0) {
      break;
    }
  }
  return last;
}

}  // namespace

postfix_server::postfix_server(postfix_options options)
    : options_(std::move(options)), dir_("ferry-postfix") {
  if (::geteuid() != 0) throw std::runtime_error("postfix_server: Postfix's master needs root");
  const passwd* owner = ::getpwnam(mail_owner);
  if (owner == nullptr || ::getgrnam(setgid_group) == nullptr) {
    throw std::runtime_error("postfix_server: the postfix user or postdrop group is missing");
  }
  daemon_directory_ = run_command({"postconf", "-dh", "daemon_directory"});
  while (!daemon_directory_.empty() && daemon_directory_.back() == '\n')
    daemon_directory_.pop_back();

  // Postfix's daemons (user postfix) and the pipe command must reach files below the dir.
  ::chmod(dir_.path().c_str(), 0755);
  make_dir(config_dir(), 0755);
  make_dir(queue_dir(), 0755);
  make_dir(dir_.path() + "/data", 0700);
  // data_directory belongs to mail_owner (postfix-script warns otherwise; tlsmgr/verify write).
  if (::chown((dir_.path() + "/data").c_str(), owner->pw_uid, owner->pw_gid) != 0) {
    throw std::runtime_error("postfix_server: chown data directory failed");
  }
  port_ = free_port();
  write_config();
  // `postfix check` creates the queue's subdirectories with the right owners and modes
  // (post-install create-missing) and refuses broken configurations before we start.
  run_command({"postfix", "-c", config_dir(), "check"});
  start();
}

postfix_server::~postfix_server() {
  try {
    stop();
  } catch (...) {
  }
}

void postfix_server::write_config() const {
  write_file(config_dir() + "/main.cf", main_cf());
  write_file(config_dir() + "/master.cf", master_cf());
}

std::string postfix_server::main_cf() const {
  const std::string& d = dir_.path();
  std::ostringstream main;
  main << "# Written by ferry's test harness (tests/support/postfix.cpp); private instance.\n"
       << "compatibility_level = 3.6\n"
       << "config_directory = " << config_dir() << "\n"
       << "queue_directory = " << queue_dir() << "\n"
       << "data_directory = " << d
       << "/data\n"
       // Read-only package files (postfix-files, dynamicmaps.cf) stay where Debian put them.
       << "meta_directory = /etc/postfix\n"
       << "mail_owner = " << mail_owner << "\n"
       << "setgid_group = " << setgid_group << "\n"
       << "myhostname = mx." << options_.domain << "\n"
       << "mydomain = " << options_.domain << "\n"
       << "myorigin = " << options_.domain << "\n"
       << "mydestination = " << options_.domain
       << "\n"
       // Acceptance is the policy service's decision, not a local user table's.
       << "local_recipient_maps =\n"
       << "alias_maps =\n"
       << "alias_database =\n"
       << "inet_interfaces = loopback-only\n"
       << "inet_protocols = ipv4\n"
       << "mynetworks = 127.0.0.0/8\n"
       << "disable_dns_lookups = yes\n"
       << "smtp_dns_support_level = disabled\n"
       << "smtputf8_enable = no\n"
       << "biff = no\n"
       << "readme_directory = no\n"
       << "html_directory = no\n"
       << "smtpd_banner = $myhostname ESMTP\n"
       // postlogd writes here; the directory must be allowed explicitly.
       << "maillog_file = " << log_file() << "\n"
       << "maillog_file_prefixes = " << d
       << "\n"
       // Relay control first (the test domain is local, so it passes), then the policy
       // service decides every recipient: unknown ones are rejected with its text, not by a
       // Postfix table first.
       << "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n";
  if (options_.policy_service.empty()) {
    main << "smtpd_recipient_restrictions = " << options_.after_policy << "\n";
  } else {
    main << "smtpd_recipient_restrictions = check_policy_service " << options_.policy_service
         << ", " << options_.after_policy << "\n";
  }
  // Quick retries, so delivery tests do not wait minutes for a deferred message.
  main << "queue_run_delay = 2s\n"
       << "minimal_backoff_time = 2s\n"
       << "maximal_backoff_time = 10s\n"
       << "delay_warning_time = 0h\n";
  if (options_.pipe_argv.empty()) {
    main << "local_transport = discard\n";
  } else {
    main << "local_transport = ferry-ingest\n"
         << "ferry-ingest_destination_recipient_limit = 1\n";
  }
  for (const auto& [name, value] : options_.main_cf) main << name << " = " << value << "\n";
  return main.str();
}

std::string postfix_server::master_cf() const {
  // No chroot anywhere (column 5 = n): the daemons read the temp dir directly.
  std::ostringstream master;
  master << "# service type private unpriv chroot wakeup maxproc command\n"
         << "127.0.0.1:" << port_ << " inet n - n - - smtpd\n"
         << "pickup    unix  n       -       n       60      1       pickup\n"
         << "cleanup   unix  n       -       n       -       0       cleanup\n"
         << "qmgr      unix  n       -       n       300     1       qmgr\n"
         << "rewrite   unix  -       -       n       -       -       trivial-rewrite\n"
         << "bounce    unix  -       -       n       -       0       bounce\n"
         << "defer     unix  -       -       n       -       0       bounce\n"
         << "trace     unix  -       -       n       -       0       bounce\n"
         << "verify    unix  -       -       n       -       1       verify\n"
         << "flush     unix  n       -       n       1000?   0       flush\n"
         << "proxymap  unix  -       -       n       -       -       proxymap\n"
         << "smtp      unix  -       -       n       -       -       smtp\n"
         << "relay     unix  -       -       n       -       -       smtp\n"
         << "showq     unix  n       -       n       -       -       showq\n"
         << "error     unix  -       -       n       -       -       error\n"
         << "retry     unix  -       -       n       -       -       error\n"
         << "discard   unix  -       -       n       -       -       discard\n"
         << "local     unix  -       n       n       -       -       local\n"
         << "anvil     unix  -       -       n       -       1       anvil\n"
         << "scache    unix  -       -       n       -       1       scache\n"
         << "postlog   unix-dgram n  -       n       -       1       postlogd\n";
  if (!options_.pipe_argv.empty()) {
    master << "ferry-ingest unix - n n - - pipe\n"
           << "  flags=" << options_.pipe_flags << " user=" << options_.pipe_user << " argv=";
    for (std::size_t i = 0; i < options_.pipe_argv.size(); ++i) {
      master << (i == 0 ? "" : " ") << options_.pipe_argv[i];
    }
    master << "\n";
  }
  return master.str();
}

void postfix_server::start() {
  if (running()) return;
  // The master in the foreground is our child: it cannot outlive the test, and its daemons
  // stay in our process group. `postfix start` would daemonize it out of our reach. -s keeps it
  // in the foreground; -d stops it calling setsid(), which fails (and the master exits 1
  // without a word) because child_process made it a process group leader.
  spawn_options spawn;
  spawn.log_file = dir_.path() + "/master.out";
  spawn.env = {{"MAIL_CONFIG", config_dir()}};
  master_ = child_process({daemon_directory_ + "/master", "-c", config_dir(), "-s", "-d"}, spawn);
  const bool up =
      wait_until([this] { return !master_.running() || smtp_banner(port_); },
                 std::chrono::duration_cast<std::chrono::milliseconds>(options_.start_timeout),
                 std::chrono::milliseconds(50));
  if (!up || !master_.running()) {
    const auto why = tail(read_file(dir_.path() + "/master.out")) + tail(log());
    master_.terminate(std::chrono::seconds(2));
    throw std::runtime_error("postfix_server: Postfix did not answer 220 on port " +
                             std::to_string(port_) + ":\n" + why);
  }
}

void postfix_server::stop() {
  if (!running()) {
    master_.terminate(std::chrono::seconds(1));
    return;
  }
  // Postfix's own way first (SIGTERM to the master, which stops its children), then the
  // process group, so nothing of this instance survives.
  run_command({"postfix", "-c", config_dir(), "stop"}, {}, false);
  master_.wait_for_exit(std::chrono::seconds(10));
  master_.terminate(std::chrono::seconds(2));
}

bool postfix_server::running() {
  return master_.pid() > 0 && master_.running();
}

std::string postfix_server::log() const {
  return read_file(log_file());
}

bool postfix_server::wait_for_log(std::string_view needle,
                                  std::chrono::milliseconds timeout) const {
  return wait_until([&] { return log().find(needle) != std::string::npos; }, timeout,
                    std::chrono::milliseconds(50));
}

std::string postfix_server::postconf(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"postconf", "-c", config_dir()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

std::size_t postfix_server::queued_messages() const {
  const auto out = run_command({"postqueue", "-c", config_dir(), "-j"}, {}, false);
  std::size_t n = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.front() == '{') ++n;
  }
  return n;
}

smtp_reply smtp_rcpt(int port, const std::string& from, const std::string& to,
                     std::string* transcript) {
  const auto out = run_command({"swaks", "--server", "127.0.0.1:" + std::to_string(port), "--from",
                                from, "--to", to, "--quit-after", "RCPT", "--timeout", "30"},
                               {}, false);
  if (transcript != nullptr) *transcript = out;
  return reply_after(out, "RCPT TO:");
}

smtp_reply smtp_send(int port, const std::string& from, const std::string& to,
                     const std::string& data, std::string* transcript) {
  std::vector<std::string> argv{"swaks",  "--server",  "127.0.0.1:" + std::to_string(port),
                                "--from", from,        "--to",
                                to,       "--timeout", "30"};
  if (!data.empty()) {
    argv.emplace_back("--data");
    argv.push_back(data);
  }
  const auto out = run_command(argv, {}, false);
  if (transcript != nullptr) *transcript = out;
  return reply_after(out, ".");
}

}  // namespace ferry::test
