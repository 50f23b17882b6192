#include "ferry/service/admin_http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "ferry/service/admission.hpp"
#include "service/http_head_reader.hpp"
#include "service/http_listener.hpp"

namespace ferry::service {
namespace {

std::optional<std::string_view> header_of(const httplib::Request& req, const char* name) {
  const auto it = req.headers.find(name);  // httplib's header map compares case-insensitively
  if (it == req.headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

request_head head_of(const httplib::Request& req) {
  return {.method = req.method,
          .path = req.path,
          .remote_addr = req.remote_addr,
          .authorization = header_of(req, "Authorization").value_or(""),
          .content_length = header_of(req, "Content-Length"),
          .transfer_encoding = header_of(req, "Transfer-Encoding").value_or(""),
          .content_encoding = header_of(req, "Content-Encoding").value_or(""),
          .content_type = header_of(req, "Content-Type").value_or("")};
}

void write(const http_response& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers) to.set_header(k, v);
  to.set_content(from.body, from.content_type);
}

http_request request_of(const httplib::Request& req, std::vector<std::string> params,
                        std::string body) {
  http_request out;
  out.method = req.method;
  out.path = req.path;
  out.path_params = std::move(params);
  for (const auto& [k, v] : req.params) out.query.emplace_back(k, v);
  for (const auto& [k, v] : req.headers) out.headers.emplace_back(k, v);
  out.body = std::move(body);
  out.remote_addr = req.remote_addr;
  return out;
}

// The smallest 4xx answer httplib produces itself (malformed request line or headers) still
// gets a JSON body.
std::string_view default_reason(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such endpoint";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    default: return "request failed";
  }
}

// cpp-httplib's server with the request head read under a limit and a deadline first
// (http_head_reader.hpp); then httplib parses it from the bytes already read.
class bounded_server final : public httplib::Server {
 public:
  bounded_server(const admin_http_options& o, std::function<void(int)> refused)
      : max_head_(o.max_head_bytes),
        head_timeout_(o.read_timeout),
        read_timeout_(o.read_timeout),
        write_timeout_(o.write_timeout),
        refused_(std::move(refused)) {}

 private:
  // Replaces httplib's per-connection loop: one request per connection, head first.
  bool process_and_close_socket(::socket_t sock) override {
    detail::head_stream strm(sock, read_timeout_, write_timeout_);
    bool ok = false;
    using result = detail::head_stream::head_result;
    switch (strm.read_head(max_head_, std::chrono::steady_clock::now() + head_timeout_)) {
      case result::complete: {
        bool closed = false;
        ok = process_request(strm, true, closed, nullptr);
        break;
      }
      case result::too_large:
        refuse(strm, 431, "Request Header Fields Too Large",
               "request line and headers larger than " + std::to_string(max_head_) + " bytes");
        break;
      case result::timed_out:
        refuse(strm, 408, "Request Timeout", "request line and headers did not arrive in time");
        break;
      case result::closed: break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  void refuse(detail::head_stream& strm, int status, const char* reason, std::string_view why) {
    const auto body = json_error(status, why).body;
    const std::string answer =
        "HTTP/1.1 " + std::to_string(status) + " " + reason +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    for (std::size_t done = 0; done < answer.size();) {
      const auto n = strm.write(answer.data() + done, answer.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    if (refused_) refused_(status);
  }

  std::size_t max_head_;
  std::chrono::milliseconds head_timeout_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::function<void(int)> refused_;
};

}  // namespace

probe_exposure parse_probe_exposure(std::string_view text, std::string_view what) {
  const std::string v = ascii_lower(text);
  if (v == "auto" || v.empty()) return probe_exposure::automatic;
  if (v == "open" || v == "yes" || v == "true" || v == "on" || v == "1")
    return probe_exposure::open;
  if (v == "token" || v == "no" || v == "false" || v == "off" || v == "0") {
    return probe_exposure::token;
  }
  throw std::invalid_argument(std::string(what) + " must be auto, open or token, got \"" +
                              std::string(text) + "\"");
}

std::pair<std::string, int> split_host_port(std::string_view listen, std::string_view what) {
  const auto colon = listen.rfind(':');
  const std::string shown =
      std::string(what) + " must be host:port, got \"" + std::string(listen) + "\"";
  if (colon == std::string_view::npos || colon == 0) throw std::invalid_argument(shown);
  std::string host(listen.substr(0, colon));
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') throw std::invalid_argument(shown);
    host = host.substr(1, host.size() - 2);
  }
  const auto port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535) {
    throw std::invalid_argument(std::string(what) + " port must be 0-65535, got \"" +
                                std::string(listen) + "\"");
  }
  return {host, std::stoi(std::string(port))};
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

struct admin_http_server::impl {
  admin_http_options opts;
  http_router routes;
  auth_lockout lockout;
  bool probes_open = false;

  // One per listener; the listener member comes after the server so it stops first.
  struct endpoint {
    endpoint(listener_kind k, const admin_http_options& o, std::function<void(int)> refused)
        : kind(k), http(o, std::move(refused)) {}
    listener_kind kind;
    bounded_server http;
    std::optional<http_listener> listener;
  };
  std::array<std::optional<endpoint>, 2> endpoints;  // main, probe

  impl(admin_http_options o, http_router r)
      : opts(std::move(o)),
        routes(std::move(r)),
        lockout({.failures = opts.auth_failures_per_minute, .window = std::chrono::minutes(1)}) {}

  admission decide(const httplib::Request& req, listener_kind kind) {
    const admission_policy policy{
        .token = opts.token, .listener = kind, .probes_open = probes_open, .realm = opts.realm};
    return admit(routes, head_of(req), policy, lockout, auth_lockout::clock::now());
  }

  // Reads the admitted body, counting decoded bytes, then runs the route's handler.
  void serve(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader) {
    const auto m = routes.match(req.method, req.path);
    if (!m.route) {  // admitted by the pre-routing handler, so not reached
      write(json_error(404, "no such endpoint"), res);
      return;
    }
    std::string body;
    // RFC 9112: without Content-Length or Transfer-Encoding a request has no body.
    const bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (reader != nullptr && has_body) {
      const std::size_t limit = m.route->max_body;
      // The body must be complete by the deadline: httplib's read timeout is per read, so a
      // client trickling a byte at a time would otherwise hold a thread for as long as it likes.
      const auto deadline = std::chrono::steady_clock::now() + opts.body_timeout;
      enum class stop { none, too_big, too_slow } why = stop::none;
      const bool complete = (*reader)([&](const char* data, std::size_t n) {
        if (n > limit - body.size()) {
          why = stop::too_big;
          return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
          why = stop::too_slow;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (!complete) {
        switch (why) {
          case stop::too_big:
            write(json_error(413, "request body larger than " + std::to_string(limit) +
                                      " bytes (after decoding)"),
                  res);
            break;
          case stop::too_slow:
            write(json_error(408, "request body did not arrive in time"), res);
            break;
          case stop::none:
            write(json_error(400, "incomplete or undecodable request body"), res);
            break;
        }
        return;
      }
    }
    try {
      write(m.route->handler(request_of(req, m.params, std::move(body))), res);
    } catch (const std::exception& e) {
      const std::string what = req.method + " " + req.path;
      opts.observer.error(
          e, {.component = "service.admin_http", .operation = "handler", .message = what});
      write(json_error(500, "internal error"), res);
    }
  }

  void configure(endpoint& ep) {
    auto& http = ep.http;
    const auto kind = ep.kind;
    const auto threads = opts.threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // One request per connection: after a refusal the unread body is dropped with the
    // connection instead of being parsed as the next request line (which httplib reads into
    // memory whole).
    http.set_keep_alive_max_count(1);
    http.set_read_timeout(opts.read_timeout);
    http.set_write_timeout(opts.write_timeout);
    std::size_t largest = 0;
    for (const auto& r : routes.routes()) largest = std::max(largest, r.max_body);
    http.set_payload_max_length(largest);
    // Both run before httplib reads a body byte; the 100-continue one even before the client
    // sends it.
    http.set_expect_100_continue_handler(
        [this, kind](const httplib::Request& req, httplib::Response& res) {
          const auto a = decide(req, kind);
          if (!a.refusal) return 100;
          write(*a.refusal, res);
          return a.refusal->status;
        });
    http.set_pre_routing_handler([this, kind](const httplib::Request& req, httplib::Response& res) {
      const auto a = decide(req, kind);
      if (!a.refusal) return httplib::Server::HandlerResponse::Unhandled;
      write(*a.refusal, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    const auto plain = [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, nullptr);
    };
    const auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
      serve(req, res, &reader);
    };
    http.Get(".*", plain);
    http.Options(".*", plain);
    http.Post(".*", with_body);
    http.Put(".*", with_body);
    http.Patch(".*", with_body);
    http.Delete(".*", with_body);
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      write(json_error(res.status, default_reason(res.status)), res);
    });
    http.set_logger([this, kind](const httplib::Request&, const httplib::Response& res) {
      if (!opts.observe) return;
      opts.observe({.status = res.status,
                    .auth_failed = res.status == 401 || res.status == 429,
                    .locked_out = res.status == 429,
                    .probe_listener = kind == listener_kind::probe});
    });
  }

  void open(std::size_t slot, listener_kind kind, const std::string& listen,
            std::string_view what) {
    if (listen.empty()) return;
    const auto [host, port] = split_host_port(listen, what);
    auto& ep = endpoints[slot].emplace(kind, opts, [this, kind](int status) {
      if (opts.observe) {
        opts.observe({.status = status,
                      .auth_failed = false,
                      .locked_out = false,
                      .probe_listener = kind == listener_kind::probe});
      }
    });
    configure(ep);
    ep.listener.emplace(ep.http, host, port, std::string(what));
  }
};

admin_http_server::admin_http_server(admin_http_options options, http_router routes) {
  if (options.auth_failures_per_minute < 1) {
    throw std::invalid_argument("admin HTTP: auth_failures_per_minute must be >= 1");
  }
  if (options.threads < 1) throw std::invalid_argument("admin HTTP: threads must be >= 1");
  if (options.listen.empty() && options.probe_listen.empty()) {
    throw std::invalid_argument("admin HTTP: neither a listen nor a probe listen address");
  }
  impl_ = std::make_unique<impl>(std::move(options), std::move(routes));
  auto& o = impl_->opts;
  if (!o.listen.empty()) {
    const bool loopback = is_loopback_host(split_host_port(o.listen, "listen address").first);
    // Without a token there is nothing to ask a probe for.
    impl_->probes_open = o.token.empty() || o.probes == probe_exposure::open ||
                         (o.probes == probe_exposure::automatic && loopback);
  }
  impl_->open(0, listener_kind::main, o.listen, "admin listener");
  impl_->open(1, listener_kind::probe, o.probe_listen, "probe listener");
}

admin_http_server::~admin_http_server() {
  stop();
}

void admin_http_server::start() {
  for (auto& ep : impl_->endpoints) {
    if (ep) ep->listener->start();
  }
}

void admin_http_server::stop() {
  for (auto& ep : impl_->endpoints) {
    if (ep) ep->listener->stop();
  }
}

int admin_http_server::port() const noexcept {
  return impl_->endpoints[0] ? impl_->endpoints[0]->listener->port() : -1;
}

int admin_http_server::probe_port() const noexcept {
  return impl_->endpoints[1] ? impl_->endpoints[1]->listener->port() : -1;
}

bool admin_http_server::probes_open() const noexcept {
  return impl_->probes_open;
}

}  // namespace ferry::service
