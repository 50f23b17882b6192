#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/mail/parse.hpp"
#include "mail_test_util.hpp"

using ferry::mail::parse_message;
using ferry_test_mail::fixture;

namespace {
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("parse_message reads the headers and body of a simple text mail", "[mail][parse]") {
  const auto m = parse_message(fixture("simple.eml"));
  CHECK(m.message_id == "simple-1@example.org");
  CHECK(m.subject == "Lunch tomorrow?");
  REQUIRE(m.from);
  CHECK(m.from->name == "Ann Example");
  CHECK(m.from->address == "ann@example.org");
  REQUIRE(m.to.size() == 2);
  CHECK(m.to[0] == ferry::mail::mailbox{"Bob", "bob@example.net"});
  CHECK(m.to[1] == ferry::mail::mailbox{"", "carol@example.net"});
  REQUIRE(m.cc.size() == 1);
  CHECK(m.cc[0].name == "Dave, D.");
  REQUIRE(m.date);
  // Tue, 3 Nov 2026 10:15:00 +0100 == 09:15:00 UTC
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(m.date->time_since_epoch()).count() ==
        1793697300);
  CHECK(m.in_reply_to == "prev-2@example.net");
  CHECK(m.references == std::vector<std::string>{"root-1@example.net", "prev-2@example.net"});
  CHECK(contains(m.text_body, "shall we have lunch tomorrow at noon?"));
  CHECK(m.html_body.empty());
  CHECK(m.attachments.empty());
}

TEST_CASE("parse_message takes both bodies of a multipart/alternative", "[mail][parse]") {
  const auto m = parse_message(fixture("alternative.eml"));
  CHECK(contains(m.text_body, "Plain version: caf\xC3\xA9"));
  CHECK(contains(m.html_body, "<p>HTML version: caf\xC3\xA9</p>"));
  CHECK(m.attachments.empty());
  CHECK_FALSE(m.date);
}

TEST_CASE("parse_message decodes RFC 2047 words in UTF-8 and ISO-8859-1, B and Q",
          "[mail][parse]") {
  const auto m = parse_message(fixture("encoded_headers.eml"));
  CHECK(m.subject ==
        "Gr\xC3\xBC\xC3\x9F"
        "e aus K\xC3\xB6ln und \xC3\x9C"
        "berraschung");
  REQUIRE(m.from);
  CHECK(m.from->name == "Andr\xC3\xA9 M\xC3\xBCller");
  CHECK(m.from->address == "andre@example.de");
  REQUIRE(m.to.size() == 1);
  CHECK(m.to[0].name ==
        "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD \xD0\x9F\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2");
}

TEST_CASE("parse_message converts ISO-8859-1 and windows-1252 bodies to UTF-8", "[mail][parse]") {
  const auto latin1 = parse_message(fixture("latin1_body.eml"));
  // Latin-1 labels are read as windows-1252, as browsers do: 0x80 is the euro sign.
  CHECK(contains(latin1.text_body, "Caf\xC3\xA9 cr\xC3\xA8me co\xC3\xBBte 5 \xE2\x82\xAC."));
  const auto cp1252 = parse_message(fixture("windows1252_body.eml"));
  CHECK(contains(cp1252.text_body,
                 "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x80\x93 price \xE2\x82\xAC 10"));
}

TEST_CASE("parse_message decodes an RFC 2231 continued file name", "[mail][parse]") {
  const auto m = parse_message(fixture("rfc2231_attachment.eml"));
  CHECK(contains(m.text_body, "Please find my CV attached."));
  REQUIRE(m.attachments.size() == 1);
  const auto& a = m.attachments[0];
  CHECK(a.filename == "na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.pdf");
  CHECK(a.safe_filename == a.filename);
  CHECK(a.content_type == "application/pdf");
  CHECK(a.bytes == "%PDF-1.4\n% fake pdf for tests\n");
  CHECK(a.size == a.bytes.size());
  CHECK_FALSE(a.is_inline);
}

TEST_CASE("parse_message walks mixed > alternative > related and keeps the inline image",
          "[mail][parse]") {
  const auto m = parse_message(fixture("nested.eml"));
  CHECK(contains(m.text_body, "Look at the logo."));
  CHECK(contains(m.html_body, "cid:logo@example.org"));
  REQUIRE(m.attachments.size() == 2);
  const auto& logo = m.attachments[0];
  CHECK(logo.content_type == "image/png");
  CHECK(logo.content_id == "logo@example.org");
  CHECK(logo.is_inline);
  CHECK(logo.filename.empty());
  CHECK(logo.safe_filename == "attachment");
  CHECK(logo.bytes.substr(0, 4) == "\x89PNG");
  const auto& pdf = m.attachments[1];
  CHECK(pdf.filename == "report.pdf");
  CHECK_FALSE(pdf.is_inline);
  CHECK(pdf.content_type == "application/pdf");
}

TEST_CASE("parse_message attaches a forwarded message and appends its text", "[mail][parse]") {
  const auto m = parse_message(fixture("forwarded.eml"));
  CHECK(contains(m.text_body, "See below."));
  CHECK(contains(m.text_body, "---------- Forwarded message ----------"));
  CHECK(contains(m.text_body, "From: Ann Example <ann@example.org>"));
  CHECK(contains(m.text_body, "Shall we have lunch?"));
  CHECK(m.text_body.find("See below.") < m.text_body.find("Shall we have lunch?"));
  REQUIRE(m.attachments.size() == 2);
  CHECK(m.attachments[0].safe_filename == "forwarded.eml");
  CHECK(m.attachments[0].content_type == "message/rfc822");
  CHECK(m.attachments[0].is_inline);  // Content-Disposition: inline
  CHECK(contains(m.attachments[0].bytes, "Subject: Lunch tomorrow?"));
  CHECK(m.attachments[1].filename == "invite.ics");
  CHECK(m.attachments[1].content_type == "text/calendar");

  ferry::mail::parse_options no_inner;
  no_inner.list_forwarded_attachments = false;
  CHECK(parse_message(fixture("forwarded.eml"), no_inner).attachments.size() == 1);
}

TEST_CASE("parse_message skips an mbox From line and accepts LF or CRLF", "[mail][parse]") {
  const auto m =
      parse_message("From ann@example.org Tue Nov  3 10:15:00 2026\nSubject: hi\n\nbody\n");
  CHECK(m.subject == "hi");
  CHECK(contains(m.text_body, "body"));
}

TEST_CASE("parse_message is safe to call from several threads at once", "[mail][parse]") {
  const std::string raw = fixture("nested.eml");
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const auto m = parse_message(raw);
        if (m.attachments.size() == 2 && !m.html_body.empty()) ++ok[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 25));
}

TEST_CASE("a Date outside 1824-2116 is ignored with a warning, never wrapped", "[mail][parse]") {
  const auto with_date = [](const std::string& date) {
    return parse_message("From: a@example.org\r\nTo: b@example.org\r\nDate: " + date +
                         "\r\nSubject: s\r\n\r\nbody\r\n");
  };
  for (const auto* date : {"Fri, 31 Dec 9999 23:59:59 +0000", "Sat, 1 Jan 2200 00:00:00 +0000"}) {
    INFO(date);
    const auto m = with_date(date);
    CHECK_FALSE(m.date.has_value());  // 9999 used to be stored as 1816
    REQUIRE(m.warnings.size() == 1);
    CHECK(contains(m.warnings[0], "Date header out of range"));
  }
  // GMime reads year 1 as 2001 (a short year, as RFC 5322's obsolete syntax has it).
  const auto first = with_date("Mon, 1 Jan 0001 00:00:00 +0000");
  REQUIRE(first.date);
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(first.date->time_since_epoch()).count() ==
        978307200);
  const auto ok = with_date("Thu, 31 Dec 2099 23:59:59 +0000");
  REQUIRE(ok.date);
  CHECK(ok.warnings.empty());
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(ok.date->time_since_epoch()).count() ==
        4102444799);
}
