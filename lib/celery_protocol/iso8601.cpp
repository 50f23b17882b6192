#include "ferry/celery/protocol/iso8601.hpp"

#include <cstdio>

#include "ferry/core/checked_time.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::protocol {
namespace {

using namespace std::chrono;

std::string format(system_clock::time_point t, bool with_offset) {
  const auto us = time_point_cast<microseconds>(t);
  // Floor so that times before the epoch still split into a day and a non-negative remainder.
  const auto day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> tod{us - day};
  char buf[64];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                    static_cast<int>(tod.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  // Python's isoformat() leaves the fraction out when the microseconds are zero.
  if (const auto frac = tod.subseconds().count(); frac != 0) {
    n = std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (with_offset) out += "+00:00";
  return out;
}

class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool digits(int count, int& value) {
    value = 0;
    for (int k = 0; k < count; ++k) {
      const char c = peek();
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
      ++i_;
    }
    return true;
  }
  bool is_digit() const { return peek() >= '0' && peek() <= '9'; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::string format_isoformat(system_clock::time_point t) {
  return format(t, true);
}

std::string format_isoformat_naive(system_clock::time_point t) {
  return format(t, false);
}

system_clock::time_point parse_iso8601(std::string_view text) {
  const auto fail = [&](const char* why) -> system_clock::time_point {
    throw error(errc::decode_error,
                "invalid ISO-8601 date-time '" + std::string(text.substr(0, 64)) + "': " + why);
  };
  cursor c(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, mo) || !c.eat('-') || !c.digits(2, d)) {
    return fail("expected YYYY-MM-DD");
  }
  if (!c.eat('T') && !c.eat('t') && !c.eat(' ')) return fail("expected 'T' after the date");
  if (!c.digits(2, h) || !c.eat(':') || !c.digits(2, mi)) return fail("expected HH:MM");
  nanoseconds frac{0};
  if (c.eat(':')) {
    if (!c.digits(2, s)) return fail("expected two digits of seconds");
    if (c.eat('.') || c.eat(',')) {
      if (!c.is_digit()) return fail("empty fraction");
      long long ns = 0;
      int n = 0;
      while (c.is_digit()) {
        int digit = 0;
        c.digits(1, digit);
        if (++n > 9) return fail("more than 9 fraction digits");
        ns = ns * 10 + digit;
      }
      for (; n < 9; ++n) ns *= 10;
      frac = nanoseconds{ns};
    }
  }
  minutes offset{0};
  if (c.eat('Z') || c.eat('z')) {
  } else if (c.peek() == '+' || c.peek() == '-') {
    const bool negative = c.peek() == '-';
    c.eat(c.peek());
    int oh = 0, om = 0;
    if (!c.digits(2, oh)) return fail("expected offset hours");
    if (c.eat(':')) {
      if (!c.digits(2, om)) return fail("expected offset minutes");
    } else if (c.is_digit()) {
      if (!c.digits(2, om)) return fail("expected offset minutes");
    }
    if (oh > 23 || om > 59) return fail("offset out of range");
    offset = hours{oh} + minutes{om};
    if (negative) offset = -offset;
  }
  if (!c.done()) return fail("unexpected trailing characters");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return fail("no such date");
  if (h > 23 || mi > 59 || s > 59) return fail("time of day out of range");
  // Dates system_clock cannot hold (9999-12-31 is a common "never") are clamped, see
  // ferry/checked_time.hpp: a far-off `expires` stays in the future, a year-1 `eta` in the past.
  return time_from_civil({.year = y,
                          .month = mo,
                          .day = d,
                          .hour = h,
                          .minute = mi,
                          .second = s,
                          .subsecond = frac,
                          .utc_offset = offset})
      .value;
}

}  // namespace ferry::celery::protocol
