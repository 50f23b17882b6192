#include "service/http_listener.hpp"

#include <httplib.h>

#include <chrono>

#include <ferry/core/error.hpp>

namespace ferry::service {

http_listener::http_listener(httplib::Server& server, const std::string& host, int port,
                             const std::string& what)
    : server_(server) {
  if (port == 0) {
    port_ = server_.bind_to_any_port(host);
  } else if (server_.bind_to_port(host, port)) {
    port_ = port;
  } else {
    port_ = -1;
  }
  if (port_ <= 0) {
    throw error(errc::io_error, what + ": cannot bind " + host + ":" + std::to_string(port));
  }
}

http_listener::~http_listener() {
  stop();
}

void http_listener::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() is a no-op until the listener runs: wait for it, so stop() always works.
  for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void http_listener::stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

}  // namespace ferry::service
