// ferry_test/postfix.hpp — a private, throw-away Postfix instance for tests.
//
// `postfix_server` runs a real Postfix (master, smtpd, qmgr, ...) from its own configuration
// directory, queue directory and data directory inside a fresh temp dir, with smtpd on a free
// 127.0.0.1 port. It never reads or changes /etc/postfix's main.cf or master.cf, nor the system
// instance's queue (Postfix's read-only meta files, /etc/postfix/postfix-files and
// dynamicmaps.cf, are shared). Mail for `domain` is accepted or refused by
// `smtpd_recipient_restrictions`, normally a `check_policy_service` pointing at the service
// under test; accepted mail goes to a `pipe` command (the ingest hook) or is discarded.
//
//   ferry::test::postfix_server mta({.policy_service = "inet:127.0.0.1:" + std::to_string(port)});
//   auto reply = ferry::test::smtp_rcpt(mta.smtp_port(), "a@b.example", "known@test.example");
//   CHECK(reply.code == 250);
//   CHECK(mta.wait_for_log("NOQUEUE: reject", std::chrono::seconds(5)));
//
// How it runs: the master runs in the foreground (`master -s -d`) as this process's child in its
// own process group, so it dies with the test even on a crash (PR_SET_PDEATHSIG) and a group
// kill leaves no Postfix process behind; `stop()` first asks politely (`postfix -c DIR stop`).
// The log goes to `log_file()` through postlogd (`maillog_file`), not to syslog.
//
// Needs root (Postfix's master refuses to run otherwise) and the postfix user and postdrop
// group of the Debian package. The temp dir is made world-traversable (0755): Postfix daemons
// run as `postfix`, the pipe command as `pipe_user`.
//
// Thread safety: thread-compatible; construct and destroy on the thread that outlives it.
// Errors: std::runtime_error when Postfix cannot be configured or does not answer 220 in time
// (the message includes the end of the Postfix log).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry_test/process.hpp"

namespace ferry::test {

struct postfix_options {
  /// The mail domain this Postfix is final destination for (mydestination).
  std::string domain = "test.example";
  /// `check_policy_service` target, e.g. "inet:127.0.0.1:10040" or "unix:/path"; "" means no
  /// policy check (every recipient in `domain` is accepted).
  std::string policy_service;
  /// smtpd_recipient_restrictions after the policy check. "permit": the policy service alone
  /// decides; DEFER_IF_PERMIT then becomes a 450.
  std::string after_policy = "permit";
  /// The ingest hook: full argv of a command Postfix pipes each accepted message into (one
  /// recipient per delivery), e.g. {"/usr/bin/ingest", "${sender}", "${recipient}"}. Postfix
  /// expands ${sender}, ${recipient}, ${queue_id} etc. Arguments must not contain spaces.
  /// Empty: accepted mail is discarded.
  std::vector<std::string> pipe_argv;
  std::string pipe_user = "nobody";  ///< Not root and not the postfix user (pipe(8) refuses).
  std::string pipe_flags = "Rq";     ///< pipe(8) flags: R = Return-Path header, q = quote.
  /// Extra main.cf settings, written last (so they win), e.g. {"smtpd_policy_service_timeout",
  /// "5s"}.
  std::vector<std::pair<std::string, std::string>> main_cf;
  std::chrono::seconds start_timeout{30};
};

class postfix_server {
 public:
  explicit postfix_server(postfix_options options = {});
  ~postfix_server();
  postfix_server(const postfix_server&) = delete;
  postfix_server& operator=(const postfix_server&) = delete;

  /// smtpd's port on 127.0.0.1.
  [[nodiscard]] int smtp_port() const noexcept { return port_; }
  [[nodiscard]] const std::string& dir() const noexcept { return dir_.path(); }
  [[nodiscard]] std::string config_dir() const { return dir_.path() + "/conf"; }
  [[nodiscard]] std::string queue_dir() const { return dir_.path() + "/queue"; }
  [[nodiscard]] std::string log_file() const { return dir_.path() + "/maillog"; }
  [[nodiscard]] const postfix_options& options() const noexcept { return options_; }

  /// The Postfix log so far.
  [[nodiscard]] std::string log() const;
  /// Polls the log until it contains `needle`; true when found.
  bool wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const;
  /// Runs `postconf -c DIR args...` (e.g. {"-h", "mydestination"}) and returns its output.
  [[nodiscard]] std::string postconf(const std::vector<std::string>& args) const;
  /// Messages in the queue (active, incoming, deferred, hold), from `postqueue -j`.
  [[nodiscard]] std::size_t queued_messages() const;

  /// `postfix -c DIR stop`, then waits for the master; anything left is killed.
  void stop();
  /// Starts the master again (same port, same queue); waits for the 220 banner.
  void start();
  [[nodiscard]] bool running();

 private:
  void write_config() const;  // main.cf and master.cf into config_dir()
  [[nodiscard]] std::string main_cf() const;
  [[nodiscard]] std::string master_cf() const;

  postfix_options options_;
  temp_dir dir_;
  int port_ = 0;
  std::string daemon_directory_;
  child_process master_;
};

/// One SMTP reply: code (0 when none arrived) and the full reply line.
struct smtp_reply {
  int code = 0;
  std::string text;
};

/// Runs `swaks --server 127.0.0.1:PORT --from FROM --to TO --quit-after RCPT` and returns the
/// server's answer to RCPT TO (the transcript is in `transcript` when given).
[[nodiscard]] smtp_reply smtp_rcpt(int port, const std::string& from, const std::string& to,
                                   std::string* transcript = nullptr);

/// Sends a whole message with swaks (`--data` given as text, default swaks' test body); returns
/// the reply to the end of DATA (250 = queued).
smtp_reply smtp_send(int port, const std::string& from, const std::string& to,
                     const std::string& data = "", std::string* transcript = nullptr);

}  // namespace ferry::test
