// ferry-ingest — the first hop of the email path. Glue only: config → ingestor → exit code.
// Pipe mode is what Postfix's pipe(8) runs (raw message on stdin, envelope as arguments); its
// exit code is a delivery status: 0 = queued, 75 (EX_TEMPFAIL) = Postfix keeps the mail and
// retries, 2 = usage error (bounced: fix master.cf). `serve` answers POST /ingest over HTTP.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <mutex>
#include <string>

#include <httplib.h>

#include <ferry/error.hpp>

#include "config.hpp"
#include "ingest.hpp"

namespace ingest = ferry::apps::ingest;

namespace {

constexpr int ex_tempfail = 75;

std::string describe(const ingest::ingest_result& r) {
  return "message " + std::to_string(r.message_id) + " " + r.message_id_header +
         (r.created ? " created" : " already recorded, republished") +
         (r.spooled ? " (spooled, sent by reference)" : "");
}

int pipe_mode(const ingest::config& cfg) {
  std::string raw(std::istreambuf_iterator<char>(std::cin), {});
  try {
    ingest::ingestor in(cfg);
    const auto r = in.ingest(raw, cfg.sender, cfg.recipient);
    if (cfg.verbose) std::cerr << "ferry-ingest: " << describe(r) << "\n";
    return 0;
  } catch (const std::exception& e) {
    // Whatever failed (database, spool, broker, even a bad URL), the mail must not be lost:
    // Postfix defers it and runs us again later. Nothing half-done blocks that retry.
    std::cerr << "ferry-ingest: deferred: " << e.what() << "\n";
    return ex_tempfail;
  }
}

std::string param_or_header(const httplib::Request& req, const char* param, const char* header) {
  if (req.has_param(param)) return req.get_param_value(param);
  return req.get_header_value(header);
}

int serve_mode(const ingest::config& cfg) {
  const auto colon = cfg.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "ferry-ingest: --listen needs host:port\n";
    return 2;
  }
  const std::string host = cfg.listen.substr(0, colon);
  const int port = std::stoi(cfg.listen.substr(colon + 1));
  std::mutex lock;  // the ingestor is one-per-thread; HTTP requests share it in turn
  std::unique_ptr<ingest::ingestor> in;
  httplib::Server http;
  http.set_payload_max_length(1024u * 1024 * 1024);
  http.Post("/ingest", [&](const httplib::Request& req, httplib::Response& res) {
    const auto sender = param_or_header(req, "sender", "X-Sender");
    const auto recipient = param_or_header(req, "recipient", "X-Recipient");
    if (recipient.empty()) {
      res.status = 400;
      res.set_content("{\"error\":\"recipient missing\"}\n", "application/json");
      return;
    }
    std::lock_guard guard(lock);
    try {
      if (!in) in = std::make_unique<ingest::ingestor>(cfg);
      const auto r = in->ingest(req.body, sender, recipient);
      if (cfg.verbose) std::cerr << "ferry-ingest: " << describe(r) << "\n";
      res.set_content("{\"message_id\":" + std::to_string(r.message_id) +
                          ",\"created\":" + (r.created ? "true" : "false") + "}\n",
                      "application/json");
    } catch (const std::exception& e) {
      in.reset();  // reconnect on the next request
      std::cerr << "ferry-ingest: " << e.what() << "\n";
      res.status = 503;  // the caller retries, as Postfix does on 75
      res.set_content("{\"error\":\"temporarily unavailable\"}\n", "application/json");
    }
  });
  static httplib::Server* running = &http;
  signal(SIGTERM, [](int) { running->stop(); });
  signal(SIGINT, [](int) { running->stop(); });
  if (!http.bind_to_port(host, port)) {
    std::cerr << "ferry-ingest: cannot listen on " << cfg.listen << "\n";
    return 1;
  }
  std::cerr << "ferry-ingest: listening on " << cfg.listen << "\n";
  http.listen_after_bind();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  auto parsed = ingest::parse_command_line(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  return parsed.cfg.serve ? serve_mode(parsed.cfg) : pipe_mode(parsed.cfg);
}
