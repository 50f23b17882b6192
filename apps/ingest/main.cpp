// ferry-ingest — the first hop of the email path. Glue only: config → ingestor → exit code.
// Pipe mode is what Postfix's pipe(8) runs (raw message on stdin, envelope as arguments); its
// exit code is a delivery status: 0 = queued, 75 (EX_TEMPFAIL) = Postfix keeps the mail and
// retries, 2 = usage error (bounced: fix master.cf). `serve` answers POST /ingest over HTTP.
#include <signal.h>

#include <iostream>
#include <iterator>
#include <mutex>
#include <string>

#include <ferry/amqp/url.hpp>
#include <ferry/core/error.hpp>

#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/probe_routes.hpp>
#include <ferry/service/readiness.hpp>
#include <ferry/service/stop_signals.hpp>

#include "common/dependency_checks.hpp"
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

std::string param_or_header(const ferry::service::http_request& req, const char* param,
                            const char* header) {
  if (auto v = req.param(param)) return *v;
  return req.header(header);
}

int serve_mode(const ingest::config& cfg) {
  namespace svc = ferry::service;
  // Before any thread starts, so only the wait below sees them.
  const auto stop_signals = svc::stop_signals::block();
  std::mutex lock;  // the ingestor is one-per-thread; HTTP requests share it in turn
  std::unique_ptr<ingest::ingestor> in;
  svc::http_router routes;
  routes.add("POST", "/ingest",
             cfg.token.empty() ? svc::route_access::open : svc::route_access::token,
             cfg.max_message_bytes, [&](const svc::http_request& req) {
               const auto sender = param_or_header(req, "sender", "X-Sender");
               const auto recipient = param_or_header(req, "recipient", "X-Recipient");
               if (recipient.empty()) return svc::json_error(400, "recipient missing");
               std::lock_guard guard(lock);
               try {
                 if (!in) in = std::make_unique<ingest::ingestor>(cfg);
                 const auto r = in->ingest(req.body, sender, recipient);
                 if (cfg.verbose) std::cerr << "ferry-ingest: " << describe(r) << "\n";
                 svc::http_response ok;
                 ok.body = "{\"message_id\":" + std::to_string(r.message_id) +
                           ",\"created\":" + (r.created ? "true" : "false") + "}\n";
                 return ok;
               } catch (const std::exception& e) {
                 in.reset();  // reconnect on the next request
                 std::cerr << "ferry-ingest: " << e.what() << "\n";
                 // The caller retries, as Postfix does on 75.
                 return svc::json_error(503, "temporarily unavailable");
               }
             });
  svc::readiness ready;
  ready.add(ferry::apps::amqp_check(ferry::amqp::url::parse(cfg.amqp_url)));
  ready.add(ferry::apps::database_check(cfg.db));
  svc::add_probe_routes(routes, {.ready = ready.handler()});
  svc::admin_http_options o;
  o.listen = cfg.listen;
  o.probe_listen = cfg.probe_listen;
  o.token = cfg.token;
  o.realm = "ferry-ingest";
  o.body_timeout = std::chrono::minutes(5);  // a large mail over a slow link
  o.observer =
      ferry::observer::errors_to([](const std::exception& e, const ferry::error_context& ctx) {
        std::cerr << "ferry-ingest: " << ctx.message << ": " << e.what() << "\n";
      });
  svc::admin_http_server http{std::move(o), std::move(routes)};
  http.start();
  std::cerr << "ferry-ingest: listening on " << cfg.listen << " (messages up to "
            << cfg.max_message_bytes << " bytes)\n";
  (void)stop_signals.wait();
  http.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  auto parsed = ingest::parse_command_line(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  if (!parsed.cfg.serve) return pipe_mode(parsed.cfg);
  try {
    return serve_mode(parsed.cfg);
  } catch (const std::invalid_argument& e) {  // a malformed address or URL
    std::cerr << "ferry-ingest: " << e.what() << "\n";
    return 2;
  } catch (const ferry::error& e) {
    std::cerr << "ferry-ingest: " << e.what() << "\n";
    return e.code() == ferry::errc::config ? 2 : 1;
  }
}
