#include "celery_protocol/float_repr.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace ferry::celery::protocol::detail {

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, as Python's float_repr_style 'short' produces them.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const auto epos = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  const auto exp_text = sci.substr(epos + 1);
  const char* first = exp_text.data();
  if (*first == '+') ++first;
  std::from_chars(first, exp_text.data() + exp_text.size(), exp10);
  // Python's repr: value = 0.DIGITS * 10**decpt; exponent notation if decpt <= -4 or > 16.
  const int decpt = exp10 + 1;
  const auto ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (ndigits > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    const int e = decpt - 1;
    out.push_back('e');
    out.push_back(e < 0 ? '-' : '+');
    const auto mag = std::to_string(std::abs(e));
    if (mag.size() < 2) out.push_back('0');
    out += mag;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(decpt));
  }
  return out;
}

}  // namespace ferry::celery::protocol::detail
