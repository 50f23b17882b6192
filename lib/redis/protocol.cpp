#include "redis/protocol.hpp"

#include <charconv>
#include <string>

namespace ferry::redis::detail {
namespace {

void append_header(std::string& out, char type, std::size_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  (void)ec;
  *end++ = '\r';
  *end++ = '\n';
  out.append(buf, static_cast<std::size_t>(end - buf));
}

bool starts_with_code(std::string_view text, std::string_view code) noexcept {
  return text.size() >= code.size() && text.substr(0, code.size()) == code &&
         (text.size() == code.size() || text[code.size()] == ' ');
}

}  // namespace

void encode_command(std::string& out, std::span<const std::string_view> args) {
  std::size_t need = 16;
  for (auto a : args) need += a.size() + 24;
  out.reserve(out.size() + need);
  append_header(out, '*', args.size());
  for (auto a : args) {
    append_header(out, '$', a.size());
    out.append(a.data(), a.size());
    out.append("\r\n", 2);
  }
}

errc classify_error_reply(std::string_view text) noexcept {
  // NOAUTH: command before AUTH; WRONGPASS: ACL login failed (Redis >= 6); Redis < 6 answers
  // a bad AUTH with "ERR invalid password".
  if (starts_with_code(text, "NOAUTH") || starts_with_code(text, "WRONGPASS") ||
      text.starts_with("ERR invalid password") || text.starts_with("ERR AUTH")) {
    return errc::auth_failed;
  }
  // LOADING: dataset still loading after a restart; BUSY: a script is running too long;
  // MASTERDOWN/TRYAGAIN: replication or cluster resharding; all pass if retried later.
  if (starts_with_code(text, "LOADING") || starts_with_code(text, "BUSY") ||
      starts_with_code(text, "MASTERDOWN") || starts_with_code(text, "TRYAGAIN")) {
    return errc::busy;
  }
  return errc::server_error;
}

void throw_error_reply(std::string_view text) {
  throw error(classify_error_reply(text), std::string(text));
}

}  // namespace ferry::redis::detail
