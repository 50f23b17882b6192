#include "ferry/amqp/url.hpp"

#include "ferry/core/url.hpp"
#include "ferry/core/url_encoding.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "ferry/core/error.hpp"

namespace ferry::amqp {
namespace {

constexpr std::string_view url_kind = "AMQP";

// Every error quotes `text`, the URL being parsed, redacted.
[[noreturn]] void fail(std::string_view text, const std::string& what) {
  throw_url_error(url_kind, text, what);
}

// Percent-decoding; `part` names the URL component for the error message (never its value,
// which may be a password).
std::string decode(std::string_view text, std::string_view s, const char* part) {
  auto decoded = percent_decode(s);
  if (!decoded) fail(text, std::string("bad %-escape in ") + part);
  return std::move(*decoded);
}

std::string encode(std::string_view s, bool keep_slash = false) {
  return percent_encode(s, keep_slash ? "/" : "");
}

long long to_integer(std::string_view text, std::string_view v, const std::string& key,
                     long long lo, long long hi) {
  long long n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty())
    fail(text, key + " must be an integer, got '" + std::string(v) + "'");
  if (n < lo || n > hi)
    fail(text, key + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                   std::to_string(n));
  return n;
}

bool to_verify(std::string_view text, std::string_view v) {
  if (v == "verify_peer" || v == "true" || v == "1" || v == "yes") return true;
  if (v == "verify_none" || v == "false" || v == "0" || v == "no") return false;
  fail(text, "verify must be verify_peer or verify_none, got '" + std::string(v) + "'");
}

}  // namespace

url url::parse(std::string_view text) {
  url u;
  const auto scheme = url_scheme(text);
  if (scheme == "amqps") {
    u.tls = true;
    u.port = 5671;
  } else if (scheme != "amqp") {
    fail(text, "scheme must be amqp:// or amqps://");
  }
  const auto parts = split_url(text, url_kind);
  if (parts.user) u.user = decode(text, *parts.user, "user");
  if (parts.password) u.password = decode(text, *parts.password, "password");
  // An IPv6 address was written in brackets and is taken as is; a name is percent-decoded.
  if (parts.host.find(':') != std::string_view::npos) {
    u.host = std::string(parts.host);
  } else if (!parts.host.empty()) {
    u.host = decode(text, parts.host, "host");
    // Decoding may yield what no host name holds ('/', '@', a space): such a host reaches no
    // server, and to_string() could not write it back as the same URL.
    const bool bad = std::any_of(u.host.begin(), u.host.end(), [](unsigned char c) {
      return c <= ' ' || c == 0x7f ||
             std::string_view("/?#@[]%:\\").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (bad) fail(text, "bad character in host");
  }
  if (u.host.empty()) fail(text, "empty host");
  if (parts.port) u.port = *parts.port;

  if (parts.path.size() > 1) {
    const auto vhost = parts.path.substr(1);
    if (vhost.find('/') != std::string_view::npos)
      fail(text, "the vhost must be one path segment; write '/' inside it as %2F");
    u.vhost = decode(text, vhost, "vhost");
  }

  std::string_view query = parts.query;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      fail(text, "query option '" + std::string(pair) + "' needs a value");
    const std::string key = decode(text, pair.substr(0, eq), "query key");
    const std::string value = decode(text, pair.substr(eq + 1), "query value");
    if (key == "heartbeat") {
      u.heartbeat = std::chrono::seconds(to_integer(text, value, key, 0, 65535));
    } else if (key == "connection_timeout") {
      u.connection_timeout =
          std::chrono::milliseconds(to_integer(text, value, key, 1, 24LL * 3600 * 1000));
    } else if (key == "connection_name") {
      u.connection_name = value;
    } else if (key == "frame_max") {
      u.frame_max =
          static_cast<int>(to_integer(text, value, key, 4096, std::numeric_limits<int>::max()));
    } else if (key == "channel_max") {
      u.channel_max = static_cast<int>(to_integer(text, value, key, 0, 65535));
    } else if (key == "cacertfile") {
      u.ca_file = value;
    } else if (key == "certfile") {
      u.cert_file = value;
    } else if (key == "keyfile") {
      u.key_file = value;
    } else if (key == "verify") {
      u.verify = to_verify(text, value);
    } else {
      fail(text, "unknown query option '" + key + "'");
    }
  }
  if (!u.tls && (u.ca_file || u.cert_file || u.key_file))
    fail(text, "cacertfile/certfile/keyfile need amqps://");
  return u;
}

std::string url::endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + encode(vhost);
}

std::string url::to_string() const {
  std::string s = tls ? "amqps://" : "amqp://";
  s += redacted_userinfo(encode(user), true) + endpoint();
  std::string q;
  const auto add = [&q](const std::string& k, const std::string& v) {
    q += (q.empty() ? "?" : "&") + k + "=" + encode(v, true);
  };
  if (heartbeat != std::chrono::seconds(60)) add("heartbeat", std::to_string(heartbeat.count()));
  if (connection_timeout != std::chrono::milliseconds(10'000))
    add("connection_timeout", std::to_string(connection_timeout.count()));
  if (!connection_name.empty()) add("connection_name", connection_name);
  if (frame_max != 131072) add("frame_max", std::to_string(frame_max));
  if (channel_max != 0) add("channel_max", std::to_string(channel_max));
  if (ca_file) add("cacertfile", *ca_file);
  if (cert_file) add("certfile", *cert_file);
  if (key_file) add("keyfile", *key_file);
  if (!verify) add("verify", "verify_none");
  return s + q;
}

}  // namespace ferry::amqp
