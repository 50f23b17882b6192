// ferry/amqp/url.hpp — parsing AMQP URLs into connection settings.
//
// Grammar (RabbitMQ URI spec, plus ferry's own query options):
//
//   amqp[s]://[user[:password]@]host[:port][/vhost][?key=value&...]
//
//   - user, password, host and vhost are percent-decoded; `%2F` in the vhost is "/". An
//     unencoded password ends at the URL's last '@' (ferry/url.hpp has the rules).
//   - no path or an empty path ("amqp://h" and "amqp://h/") both mean vhost "/".
//   - default port 5672 for amqp, 5671 for amqps; default credentials guest/guest.
//   - IPv6 hosts go in brackets: amqp://[::1]:5672/
//   - query keys: heartbeat (seconds, 0 = off), connection_timeout (milliseconds),
//     connection_name, frame_max, channel_max, and for amqps: cacertfile, certfile, keyfile,
//     verify (verify_peer | verify_none | true | false). Unknown keys are an error.
//
// The one behaviour a reader would get wrong: `to_string()` and every error message redact
// the password as "***", so URLs can be logged; use `password` itself to connect.
//
//   auto u = ferry::amqp::url::parse(std::getenv("RABBITMQ_URL"));
//   log(u.to_string());   // amqp://user:***@rabbit:5672/prod?heartbeat=30
//
// Thread safety: value type; thread-compatible.
// Errors: parse() throws ferry::error(errc::config) naming the offending part.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::amqp {

/// A parsed AMQP URL: everything needed to open a connection.
struct FERRY_API url {
  bool tls = false;                    ///< amqps:// (TLS through rabbitmq-c's OpenSSL socket).
  std::string host = "localhost";      ///< Host name or address (no brackets for IPv6).
  int port = 5672;                     ///< TCP port.
  std::string user = "guest";          ///< SASL PLAIN user.
  std::string password = "guest";      ///< SASL PLAIN password; never printed.
  std::string vhost = "/";             ///< Virtual host, percent-decoded.
  std::chrono::seconds heartbeat{60};  ///< Requested heartbeat interval; 0 disables heartbeats.
  /// Limit for TCP connect + TLS + AMQP handshake, and for each synchronous RPC.
  std::chrono::milliseconds connection_timeout{10'000};
  std::string connection_name;           ///< Shown in the management UI (client property).
  int frame_max = 131072;                ///< Largest frame in bytes (4096..2^31-1).
  int channel_max = 0;                   ///< Channel limit to negotiate; 0 = server's choice.
  std::optional<std::string> ca_file;    ///< amqps: CA bundle (PEM); nullopt = system default.
  std::optional<std::string> cert_file;  ///< amqps: client certificate (PEM), optional.
  std::optional<std::string> key_file;   ///< amqps: client private key (PEM), optional.
  bool verify = true;                    ///< amqps: verify the peer certificate and the host name.

  /// Parses `text`; throws ferry::error(errc::config) with a redacted message on bad input.
  [[nodiscard]] static url parse(std::string_view text);

  /// The URL with the password replaced by "***"; parse(to_string()) round-trips otherwise.
  [[nodiscard]] std::string to_string() const;

  /// "host:port/vhost" — a short redacted label for error messages.
  [[nodiscard]] std::string endpoint() const;
};

}  // namespace ferry::amqp
