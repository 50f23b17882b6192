// http_listener.hpp — (internal to admin_http_server.cpp) serves a configured cpp-httplib server
// on a background thread: bind first so a bad address fails at start-up, listen on a thread,
// stop and join on destruction.
//
// Thread safety: start()/stop() from one owner thread; port() from any.
// Errors: the constructor throws ferry::error(io_error) when the address cannot be bound.
#pragma once

#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace ferry::service {

class http_listener {
 public:
  /// Binds `server` (routes already set) to host:port; port 0 picks a free one. `what` names
  /// the endpoint in the error ("admin API").
  http_listener(httplib::Server& server, const std::string& host, int port,
                const std::string& what);
  ~http_listener();
  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  /// Serves on a background thread; returns once the server accepts connections.
  void start();
  /// Stops listening and joins the thread (no-op when not started).
  void stop();
  [[nodiscard]] int port() const noexcept { return port_; }

 private:
  httplib::Server& server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ferry::service
