#include <charconv>
#include <cmath>

#include "ferry/cache/detail/envelope.hpp"
#include "ferry/core/checked_time.hpp"

namespace ferry::cache::detail {

namespace {

constexpr std::string_view magic = "~f1:";

bool read_number(std::string_view& in, long long& out) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto res = std::from_chars(in.data(), in.data() + colon, out);
  if (res.ec != std::errc{} || res.ptr != in.data() + colon || out < 0) return false;
  in.remove_prefix(colon + 1);
  return true;
}

}  // namespace

std::string encode_envelope(const envelope& e) {
  std::string out;
  out.reserve(magic.size() + 32 + e.payload.size());
  out += magic;
  out += e.negative ? "n:" : "v:";
  out += std::to_string(e.delta.count());
  out += ':';
  if (e.expiry) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(e.expiry->time_since_epoch());
    out += std::to_string(ms.count());
  } else {
    out += '-';
  }
  out += ':';
  if (!e.negative) out += e.payload;
  return out;
}

std::optional<envelope> decode_envelope(std::string_view raw) {
  if (raw.substr(0, magic.size()) != magic) return std::nullopt;
  raw.remove_prefix(magic.size());
  if (raw.size() < 2 || raw[1] != ':' || (raw[0] != 'v' && raw[0] != 'n')) return std::nullopt;
  envelope e;
  e.negative = raw[0] == 'n';
  raw.remove_prefix(2);
  long long delta = 0;
  if (!read_number(raw, delta)) return std::nullopt;
  e.delta = std::chrono::milliseconds{delta};
  if (raw.substr(0, 2) == "-:") {
    raw.remove_prefix(2);
  } else {
    long long expiry = 0;
    if (!read_number(raw, expiry)) return std::nullopt;
    e.expiry = time_from_unix_ms(std::chrono::milliseconds{expiry}).value;  // clamped, never wraps
  }
  if (e.negative && !raw.empty()) return std::nullopt;
  e.payload = raw;
  return e;
}

bool xfetch_due(sys_time now, std::chrono::milliseconds delta, double beta, double u,
                std::optional<sys_time> expiry) noexcept {
  if (!expiry) return false;
  if (now >= *expiry) return true;
  if (delta.count() <= 0 || beta <= 0) return false;
  if (!(u > 0)) return true;  // ln(0) = -inf: always early
  if (u > 1) u = 1;
  double ahead_ms = -static_cast<double>(delta.count()) * beta * std::log(u);
  auto left = std::chrono::duration<double, std::milli>(*expiry - now).count();
  return ahead_ms >= left;
}

}  // namespace ferry::cache::detail
