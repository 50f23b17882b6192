#include "ferry/amqp/url.hpp"

#include <charconv>
#include <limits>

#include "ferry/error.hpp"

namespace ferry::amqp {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw ferry::error(errc::config, "invalid AMQP URL: " + what);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; `part` names the URL component for the error message (never its value,
// which may be a password).
std::string decode(std::string_view s, const char* part) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) fail(std::string("bad %-escape in ") + part);
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) fail(std::string("bad %-escape in ") + part);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string encode(std::string_view s, bool keep_slash = false) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

long long to_integer(std::string_view v, const std::string& key, long long lo, long long hi) {
  long long n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty())
    fail(key + " must be an integer, got '" + std::string(v) + "'");
  if (n < lo || n > hi)
    fail(key + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
         std::to_string(n));
  return n;
}

bool to_verify(std::string_view v) {
  if (v == "verify_peer" || v == "true" || v == "1" || v == "yes") return true;
  if (v == "verify_none" || v == "false" || v == "0" || v == "no") return false;
  fail("verify must be verify_peer or verify_none, got '" + std::string(v) + "'");
}

}  // namespace

url url::parse(std::string_view text) {
  url u;
  std::string_view rest;
  if (text.starts_with("amqp://")) {
    rest = text.substr(7);
  } else if (text.starts_with("amqps://")) {
    u.tls = true;
    u.port = 5671;
    rest = text.substr(8);
  } else {
    fail("scheme must be amqp:// or amqps://");
  }

  // Split off the query and the path first; '@' can only appear in the authority.
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  std::optional<std::string_view> path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      u.user = decode(userinfo.substr(0, colon), "user");
      u.password = decode(userinfo.substr(colon + 1), "password");
    } else {
      u.user = decode(userinfo, "user");
    }
  }

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail("unterminated '[' in IPv6 host");
    u.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') fail("unexpected text after IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) fail("empty port");
    }
  } else {
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
      if (port_text.empty()) fail("empty port");
    }
    if (!authority.empty()) u.host = decode(authority, "host");
  }
  if (u.host.empty()) fail("empty host");
  if (!port_text.empty()) u.port = static_cast<int>(to_integer(port_text, "port", 1, 65535));

  if (path && !path->empty()) {
    if (path->find('/') != std::string_view::npos)
      fail("the vhost must be one path segment; write '/' inside it as %2F");
    u.vhost = decode(*path, "vhost");
  }

  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      fail("query option '" + std::string(pair) + "' needs a value");
    const std::string key = decode(pair.substr(0, eq), "query key");
    const std::string value = decode(pair.substr(eq + 1), "query value");
    if (key == "heartbeat") {
      u.heartbeat = std::chrono::seconds(to_integer(value, key, 0, 65535));
    } else if (key == "connection_timeout") {
      u.connection_timeout =
          std::chrono::milliseconds(to_integer(value, key, 1, 24LL * 3600 * 1000));
    } else if (key == "connection_name") {
      u.connection_name = value;
    } else if (key == "frame_max") {
      u.frame_max = static_cast<int>(to_integer(value, key, 4096, std::numeric_limits<int>::max()));
    } else if (key == "channel_max") {
      u.channel_max = static_cast<int>(to_integer(value, key, 0, 65535));
    } else if (key == "cacertfile") {
      u.ca_file = value;
    } else if (key == "certfile") {
      u.cert_file = value;
    } else if (key == "keyfile") {
      u.key_file = value;
    } else if (key == "verify") {
      u.verify = to_verify(value);
    } else {
      fail("unknown query option '" + key + "'");
    }
  }
  if (!u.tls && (u.ca_file || u.cert_file || u.key_file))
    fail("cacertfile/certfile/keyfile need amqps://");
  return u;
}

std::string url::endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + encode(vhost);
}

std::string url::to_string() const {
  std::string s = tls ? "amqps://" : "amqp://";
  s += encode(user) + ":***@" + endpoint();
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
