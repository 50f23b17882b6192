// Path 2: mails through ferry-ingest (Postfix's pipe(8) target) → RabbitMQ (publisher
// confirms) → two ferry-email-worker processes → SQLite.
//
// Accepted = ferry-ingest exited 0 (Postfix would consider the mail delivered); on any other
// exit the producer tries again a second later, as Postfix's queue would. Each mail has its own
// Message-ID, body and token (header X-Soak-Token); completed = a row carrying the token is
// processed; twice = more than one row carries it. Runs = the workers' "message N processed" /
// "already processed" log lines (-v).
//
// Thread safety: produce() on several threads at once (each its own share); the rest on the
// main thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tally.hpp"

namespace soak {

struct mail_path_settings {
  std::string ingest;  ///< ferry-ingest binary
  std::string amqp_url;
  std::string queue;    ///< RabbitMQ queue
  std::string db_path;  ///< SQLite database of the email deployment
  std::string spool_dir;
  std::string work_dir;  ///< mail files and ingest logs
  std::size_t mails = 0;
};

class mail_path {
 public:
  explicit mail_path(mail_path_settings settings);

  void init_database() const;
  /// Delivers mails share, share + shares, ... (paced over `window`) until each is accepted.
  void produce(std::size_t share, std::size_t shares, std::chrono::steady_clock::time_point start,
               std::chrono::milliseconds window, std::chrono::steady_clock::time_point give_up,
               const abort_flag& abort);
  [[nodiscard]] std::int64_t accepted_so_far() const;
  /// Every accepted mail's record is processed or failed.
  [[nodiscard]] bool drained() const;
  [[nodiscard]] std::int64_t completed_so_far() const;
  /// `worker_logs`: the email workers' log files.
  [[nodiscard]] path_tally tally(const std::vector<std::string>& worker_logs) const;

 private:
  [[nodiscard]] std::string mail_text(std::size_t index) const;
  [[nodiscard]] int run_ingest(const std::string& mail_file, std::size_t index,
                               const std::string& log) const;

  mail_path_settings s_;
  std::string salt_;
  acceptance accepted_;
  std::atomic<std::int64_t> tempfails_{0};
};

}  // namespace soak
