// Fuzz target: the ISO 8601 times of Celery messages and results (`eta`, `expires`,
// `date_done`), ferry::celery::protocol::parse_iso8601, whose input is the sender's text.
//
// Properties: only decode_error is thrown; a parsed time formats (format_isoformat and the
// naive form) to text that parses back to the same instant at microsecond precision, and that
// text has Python's isoformat() shape.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/celery/protocol/iso8601.hpp>
#include <ferry/core/error.hpp>

#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;
using ferry::fuzz::fail;

// YYYY-MM-DDTHH:MM:SS, then .ffffff or nothing, then the suffix.
bool isoformat_shape(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  const std::string_view pattern = "dddd-dd-ddTdd:dd:dd";
  if (s.size() != pattern.size() && s.size() != pattern.size() + 7) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char want = i < pattern.size() ? pattern[i] : (i == pattern.size() ? '.' : 'd');
    if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want) return false;
  }
  return true;
}

void round_trip(std::chrono::system_clock::time_point t, bool naive) {
  const std::string text = naive ? ferry::celery::protocol::format_isoformat_naive(t)
                                 : ferry::celery::protocol::format_isoformat(t);
  check(isoformat_shape(text, naive ? "" : "+00:00"), "not isoformat()'s shape", text);
  std::chrono::system_clock::time_point back;
  try {
    back = ferry::celery::protocol::parse_iso8601(text);
  } catch (const ferry::error& e) {
    fail("parse_iso8601 refused what format_isoformat wrote", std::string(e.what()));
  }
  const std::chrono::system_clock::time_point expected{
      std::chrono::time_point_cast<std::chrono::microseconds>(t)};
  check(back == expected, "time changed through format_isoformat → parse_iso8601", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::chrono::system_clock::time_point t;
  try {
    t = ferry::celery::protocol::parse_iso8601(text);
  } catch (const ferry::error& e) {
    check(e.code() == ferry::errc::decode_error, "unexpected error code", e.what());
    return 0;
  }
  round_trip(t, false);
  round_trip(t, true);
  return 0;
}
