// listener.hpp — the listening socket of a policy_server (private to ferry::postfix).
//
// Thread safety: plain function. Errors: ferry::error (errc::config when a host name does not
// resolve, errc::io_error when socket, bind or listen fails); nothing is left open then.
#pragma once

#include <string>

#include <ferry/postfix/listen_address.hpp>

namespace ferry::postfix::detail {

struct listener {
  int fd = -1;   ///< Non-blocking, close-on-exec; the caller closes it.
  int port = 0;  ///< The bound TCP port; 0 for a unix socket.
};

/// Binds and listens on `where` (`text` is its configured form, for messages). A unix socket
/// replaces a stale one at the same path and gets `unix_mode` as its permissions.
[[nodiscard]] listener open_listener(const listen_address& where, const std::string& text,
                                     unsigned unix_mode);

}  // namespace ferry::postfix::detail
