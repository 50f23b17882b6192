// Hostile and malformed input: every case must return a value or throw decode_error, and
// never crash (the unit tests run under ASan and UBSan) or hang.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/mail/parse.hpp"
#include "ferry/mail/sanitize.hpp"
#include "mail_test_util.hpp"

using ferry::mail::parse_message;
using ferry::mail::parse_options;
using ferry_test_mail::fixture;

namespace {

// Parses `raw`; returns "value" or the decode_error message. Any other outcome fails.
std::string outcome(const std::string& raw, const parse_options& options = {}) {
  try {
    const auto m = parse_message(raw, options);
    // Touch everything so ASan sees every byte that was produced.
    std::size_t total = m.subject.size() + m.text_body.size() + m.html_body.size();
    for (const auto& a : m.attachments) total += a.bytes.size() + a.safe_filename.size();
    (void)ferry::mail::sanitize_html(m.html_body);
    CHECK(total < (std::size_t{1} << 40));
    return "value";
  } catch (const ferry::error& e) {
    REQUIRE(e.code() == ferry::errc::decode_error);
    return e.what();
  }
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

bool any_contains(const std::vector<std::string>& warnings, const std::string& part) {
  for (const auto& w : warnings) {
    if (contains(w, part)) return true;
  }
  return false;
}

std::string multipart_header(const std::string& boundary) {
  return "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n--" + boundary +
         "\r\n";
}

}  // namespace

TEST_CASE("parse_message rejects input that is not a message", "[mail][hostile]") {
  CHECK(contains(outcome(""), "empty input"));
  CHECK(contains(outcome("\r\n\r\nbody only"), "not an email message"));
  CHECK(contains(outcome("<html><body>hi</body></html>"), "not an email message"));
  CHECK(contains(outcome(std::string("\x00\x01\x02\xff\xfe", 5)), "not an email message"));
  CHECK(contains(outcome("From only-an-envelope-line"), "not an email message"));
}

TEST_CASE("parse_message survives binary junk", "[mail][hostile]") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 50; ++round) {
    std::string junk(static_cast<std::size_t>(rng() % 4096), '\0');
    for (auto& c : junk) c = static_cast<char>(rng() & 0xFF);
    // Half of the rounds look like a header first, so the junk reaches GMime.
    if (round % 2 == 0)
      junk = "Subject: junk\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + junk;
    const std::string r = outcome(junk);
    CHECK((r == "value" || contains(r, "mail:")));
  }
}

TEST_CASE("parse_message returns what it can of truncated messages", "[mail][hostile]") {
  const std::string full = fixture("nested.eml");
  for (std::size_t cut = 1; cut < full.size(); cut += 37) {
    const std::string r = outcome(full.substr(0, cut));
    CHECK((r == "value" || contains(r, "not an email message")));
  }
  const auto m = parse_message(full.substr(0, full.size() / 2));
  CHECK(any_contains(m.warnings, "truncated"));
}

TEST_CASE("parse_message tolerates missing and wrong boundaries", "[mail][hostile]") {
  const auto no_boundary = parse_message(
      "Subject: x\r\nContent-Type: multipart/mixed\r\n\r\n--a\r\n\r\ntext\r\n--a--\r\n");
  CHECK(any_contains(no_boundary.warnings, "without boundary"));
  const auto wrong = parse_message(
      "Subject: x\r\nContent-Type: multipart/mixed; boundary=right\r\n\r\n--wrong\r\n"
      "Content-Type: text/plain\r\n\r\ntext\r\n--wrong--\r\n");
  CHECK_FALSE(wrong.warnings.empty());
  const auto empty_boundary = outcome(
      "Subject: x\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\nx\r\n----\r\n");
  CHECK(empty_boundary == "value");
}

TEST_CASE("parse_message reports bad base64 and keeps going", "[mail][hostile]") {
  const auto m = parse_message(
      "Subject: x\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAEC!!!$$$%%%AwQF\r\n====\r\nA\r\n");
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].bytes.substr(0, 3) == std::string("\x00\x01\x02", 3));
  CHECK(any_contains(m.warnings, "invalid base64"));
}

TEST_CASE("parse_message decodes unknown charsets best effort with a warning", "[mail][hostile]") {
  const auto m = parse_message(
      "Subject: =?x-no-such-charset?Q?caf=E9?=\r\nContent-Type: text/plain; "
      "charset=x-no-such-charset\r\n\r\ncaf\xE9\r\n");
  CHECK(m.text_body.find("caf\xC3\xA9") != std::string::npos);
  CHECK(any_contains(m.warnings, "unknown charset 'x-no-such-charset'"));
  const auto bogus = parse_message(
      "Subject: x\r\nContent-Type: text/plain; charset=\"\\\"\\x00;;\"\r\n\r\nhi\r\n");
  CHECK(bogus.text_body.find("hi") != std::string::npos);
  const auto utf7 =
      parse_message("Subject: x\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xff\r\n");
  CHECK(utf7.warnings.size() >= 1);
}

TEST_CASE("parse_message refuses 10k-deep nested multiparts with a max_depth error",
          "[mail][hostile]") {
  std::string raw = "Subject: deep\r\n";
  for (int i = 0; i < 10000; ++i) raw += multipart_header("b" + std::to_string(i));
  raw += "Content-Type: text/plain\r\n\r\nbottom\r\n";
  // 10 000 nested multiparts are also 10 000 parts; whichever limit trips first is named.
  const std::string r = outcome(raw);
  CHECK((contains(r, "max_depth") || contains(r, "max_parts")));

  std::string hundred = "Subject: deep\r\n";
  for (int i = 0; i < 100; ++i) hundred += multipart_header("b" + std::to_string(i));
  hundred += "Content-Type: text/plain\r\n\r\nbottom\r\n";
  CHECK(contains(outcome(hundred), "max_depth (32)"));

  std::string messages = "Subject: deep\r\n";
  for (int i = 0; i < 10000; ++i) messages += "Content-Type: message/rfc822\r\n\r\nSubject: x\r\n";
  messages += "\r\nbottom\r\n";
  CHECK(contains(outcome(messages), "max_depth"));

  parse_options shallow;
  shallow.max_depth = 2;
  CHECK(contains(outcome(fixture("nested.eml"), shallow), "max_depth (2)"));
}

TEST_CASE("parse_message enforces max_size, max_parts and max_header_bytes", "[mail][hostile]") {
  parse_options small;
  small.max_size = 100;
  CHECK(contains(outcome(fixture("nested.eml"), small), "max_size (100)"));

  std::string many = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 2000; ++i) many += "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  many += "--b--\r\n";
  CHECK(contains(outcome(many), "max_parts (1000)"));
  // A million empty parts in 7 MB: refused before GMime allocates an object for each.
  std::string million = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 1000000; ++i) million += "--b\r\n\r\n";
  CHECK(contains(outcome(million), "max_parts (1000)"));
  // Thousands of header fields in one block, and in an embedded message's block.
  std::string fields = "Subject: x\r\n";
  for (int i = 0; i < 100000; ++i) fields += "X-A: b\r\n";
  CHECK(contains(outcome(fields + "\r\nbody"), "max_header_bytes"));
  CHECK(contains(outcome("Subject: x\r\nContent-Type: message/rfc822\r\n\r\n" + fields),
                 "max_header_bytes"));
  // In a digest, a part without Content-Type is a message: its headers count too.
  CHECK(contains(outcome("Subject: x\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n"
                         "--d\r\n\r\n" +
                         fields + "\r\nbody\r\n--d--\r\n"),
                 "max_header_bytes"));

  const std::string huge_line = "Subject: " + std::string(1024 * 1024, 'a') + "\r\n\r\nbody\r\n";
  CHECK(contains(outcome(huge_line), "max_header_bytes"));
  parse_options roomy;
  roomy.max_header_bytes = 4 * 1024 * 1024;
  CHECK(outcome(huge_line, roomy) == "value");

  const std::string huge_part_header =
      "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Big: " +
      std::string(300 * 1024, 'b') + "\r\n\r\nx\r\n--b--\r\n";
  CHECK(contains(outcome(huge_part_header), "max_header_bytes"));
}

TEST_CASE("parse_message handles oddities without crashing", "[mail][hostile]") {
  for (const std::string& raw : {
           std::string("Subject: x\r\n"),  // headers only, no body
           std::string("Subject: x"),      // no line end at all
           std::string("Subject: x\r\nContent-Type: message/rfc822\r\n\r\n"),  // empty embedded
           std::string("Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
                       "quoted-printable\r\n\r\n=\r\n=ZZ=0=\r\n"),
           std::string("Subject: x\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
                       "--a--\r\n"),
           std::string("Subject: =?utf-8?B?////?= =?utf-8?Q?=FF=FE?=\r\n\r\n"),
           std::string("From: <<<@@@>>>, \"unterminated\r\nTo: ;;;,,,:\r\n\r\nx"),
           std::string("Date: not a date\r\nSubject: x\r\n\r\nx"),
           std::string(
               "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xC3\x28\xE2\x82\r\n"),
           std::string("Subject: x\r\nContent-Type: application/pdf; name*0*=bad''%ZZ%; "
                       "name*1*=%\r\n\r\nx"),
       }) {
    const std::string r = outcome(raw);
    CHECK((r == "value" || contains(r, "mail:")));
  }
  const auto bad_date = parse_message("Date: not a date\r\nSubject: x\r\n\r\nx");
  CHECK_FALSE(bad_date.date);
}

TEST_CASE("sanitize_html refuses absurdly deep HTML instead of taking minutes", "[mail][hostile]") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  CHECK_THROWS_MATCHES(ferry::mail::sanitize_html(deep), ferry::error,
                       Catch::Matchers::Predicate<ferry::error>(
                           [](const ferry::error& e) {
                             return e.code() == ferry::errc::decode_error &&
                                    std::string(e.what()).find("max_input_nesting") !=
                                        std::string::npos;
                           },
                           "decode_error naming max_input_nesting"));
  // 1 900 open elements followed by many stray end tags: shallow enough, but gumbo would
  // walk the deep stack for every end tag.
  std::string stray;
  for (int i = 0; i < 1900; ++i) stray += "<div>";
  for (int i = 0; i < 500000; ++i) stray += "</p>";
  CHECK_THROWS_WITH(ferry::mail::sanitize_html(stray), Catch::Contains("max_input_work"));
  std::string paragraphs;
  for (int i = 0; i < 20000; ++i) paragraphs += "<p>x";
  CHECK(ferry::mail::sanitize_html(paragraphs).size() > 20000);
}

TEST_CASE("parse_message survives random mutations of the fixtures", "[mail][hostile]") {
  std::mt19937 rng(4242);
  for (const char* name :
       {"simple.eml", "alternative.eml", "encoded_headers.eml", "latin1_body.eml",
        "rfc2231_attachment.eml", "nested.eml", "forwarded.eml"}) {
    const std::string original = fixture(name);
    for (int round = 0; round < 60; ++round) {
      std::string m = original;
      const int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % m.size();
        switch (rng() % 4) {
          case 0: m[at] = static_cast<char>(rng() & 0xFF); break;               // flip
          case 1: m.erase(at, rng() % 16); break;                               // cut
          case 2: m.insert(at, m.substr(rng() % m.size(), rng() % 64)); break;  // splice
          default: m.insert(at, std::string(rng() % 4, "-\r\n=\"<"[rng() % 6])); break;
        }
        if (m.empty()) m = "X: y";
      }
      const std::string r = outcome(m);
      CHECK((r == "value" || contains(r, "mail:")));
    }
  }
}
