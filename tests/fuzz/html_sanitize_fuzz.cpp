// Fuzz target: the HTML sanitiser (ferry::mail::sanitize_html), which turns a mail's HTML, the
// sender's choice, into HTML a web page embeds.
//
// Properties (html_allowlist.hpp): the output, parsed again as a browser would, holds only
// allowlisted elements, attributes and URL schemes, no event handler and no comment, and is
// valid UTF-8. The first input byte picks the policy's switches (data: images, relative URLs,
// style attributes, unwrapping, a shallow depth limit), so every branch of the policy is
// fuzzed; the rest is the HTML. Only the documented errors (input limits) may be thrown.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/core/error.hpp>
#include <ferry/mail/sanitize.hpp>

#include "fuzz_check.hpp"
#include "html_allowlist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ferry::mail::sanitize_policy base = ferry::mail::default_policy();
  if (size == 0) return 0;
  const std::uint8_t switches = data[0];
  const std::string_view html(reinterpret_cast<const char*>(data + 1), size - 1);

  ferry::mail::sanitize_policy policy = base;
  policy.allow_data_images = (switches & 1u) != 0;
  policy.allow_relative_urls = (switches & 2u) != 0;
  policy.allow_style_attribute = (switches & 4u) != 0;
  policy.unwrap_disallowed = (switches & 8u) == 0;
  if ((switches & 16u) != 0) policy.max_depth = 3;
  if ((switches & 32u) != 0) policy.tag_attributes["a"].insert("target");

  std::string out;
  try {
    out = ferry::mail::sanitize_html(html, policy);
  } catch (const ferry::error& e) {
    ferry::fuzz::check(e.code() == ferry::errc::decode_error, "unexpected error code", e.what());
    return 0;
  }
  ferry::fuzz::check_sanitized_html(out, policy);
  return 0;
}
