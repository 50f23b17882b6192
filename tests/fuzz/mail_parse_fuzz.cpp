// Fuzz target: MIME parsing (ferry::mail::parse_message on GMime), fed whole messages as an
// SMTP client or a `POST /ingest` delivers them, then the HTML sanitiser on the parsed body.
//
// Properties: only errc::decode_error is thrown; every decoded text (subject, display names,
// bodies, file names) is valid UTF-8 as parsed_message promises; each attachment's size is its
// byte count and its safe_filename is non-empty, one path component, free of control
// characters and leading dots; the sanitised HTML body has the allowlist property
// (html_allowlist.hpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/core/error.hpp>
#include <ferry/mail/parse.hpp>
#include <ferry/mail/sanitize.hpp>

#include "fuzz_check.hpp"
#include "html_allowlist.hpp"

namespace {

using ferry::fuzz::check;

void check_text(std::string_view what, std::string_view text) {
  check(ferry::fuzz::valid_utf8(text), std::string(what) + " is not valid UTF-8", text);
}

void check_mailbox(const ferry::mail::mailbox& m) {
  check_text("display name", m.name);
}

void check_attachment(const ferry::mail::attachment& a) {
  check(a.size == a.bytes.size(), "attachment size differs from its bytes");
  check_text("attachment filename", a.filename);
  const std::string& safe = a.safe_filename;
  check_text("safe_filename", safe);
  check(!safe.empty(), "empty safe_filename", a.filename);
  check(safe.front() != '.' && safe.front() != ' ', "safe_filename starts with a dot or space",
        safe);
  for (const char c : safe) {
    const auto b = static_cast<unsigned char>(c);
    check(c != '/' && c != '\\' && b >= 0x20 && b != 0x7F,
          "safe_filename holds a separator or control character", safe);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  ferry::mail::parse_options options;
  options.max_parts = 200;
  ferry::mail::parsed_message m;
  try {
    m = ferry::mail::parse_message(raw, options);
  } catch (const ferry::error& e) {
    check(e.code() == ferry::errc::decode_error, "unexpected error code", e.what());
    return 0;
  }
  check_text("subject", m.subject);
  check_text("text body", m.text_body);
  check_text("html body", m.html_body);
  if (m.from) check_mailbox(*m.from);
  for (const auto* list : {&m.reply_to, &m.to, &m.cc}) {
    for (const auto& mb : *list) check_mailbox(mb);
  }
  for (const auto& a : m.attachments) check_attachment(a);

  static const ferry::mail::sanitize_policy policy = ferry::mail::default_policy();
  std::string safe;
  try {
    safe = ferry::mail::sanitize_html(m.html_body, policy);
  } catch (const ferry::error& e) {
    check(e.code() == ferry::errc::decode_error, "unexpected error code", e.what());
    return 0;
  }
  ferry::fuzz::check_sanitized_html(safe, policy);
  return 0;
}
