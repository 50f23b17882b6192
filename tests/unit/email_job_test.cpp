// The email queue message format and the header reader ingest uses for the Message-ID.
#include <catch2/catch.hpp>

#include <ferry/core/error.hpp>

#include "common/email_job.hpp"

using ferry::apps::decode_email_job;
using ferry::apps::email_job;
using ferry::apps::encode_email_job;
using ferry::apps::header_value;

TEST_CASE("email_job round-trips inline and by-reference bodies", "[email_job]") {
  const auto inline_job = decode_email_job(
      encode_email_job({.message_id = 42, .email_data = std::string("From: a\r\n\r\nhi \"x\"\n")}));
  CHECK(inline_job.message_id == 42);
  CHECK(inline_job.email_data == "From: a\r\n\r\nhi \"x\"\n");
  CHECK_FALSE(inline_job.email_ref);

  const auto ref = decode_email_job(R"({"message_id": 7, "email_ref": "/spool/ab/cd/x"})");
  CHECK(ref.message_id == 7);
  CHECK(ref.email_ref == "/spool/ab/cd/x");
  CHECK_FALSE(ref.email_data);

  // The job format as a Python backend publishes it.
  CHECK(decode_email_job(R"({"message_id": 12345, "email_data": "From: sender@example.com..."})")
            .message_id == 12345);
}

TEST_CASE("email_job refuses malformed queue messages with decode_error", "[email_job]") {
  for (const char* bad : {"", "{not json", "[]", "{}", R"({"message_id": "7", "email_data": "x"})",
                          R"({"message_id": 1.5, "email_data": "x"})", R"({"message_id": 1})",
                          R"({"message_id": 1, "email_data": "x", "email_ref": "y"})",
                          R"({"message_id": 1, "email_data": 3})"}) {
    INFO(bad);
    try {
      (void)decode_email_job(bad);
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::decode_error);
      CHECK_FALSE(e.is_transient());
    }
  }
  CHECK_THROWS_AS(encode_email_job({.message_id = 1}), std::invalid_argument);
  // Invalid UTF-8 in raw mail does not stop the encoder.
  CHECK_NOTHROW(
      encode_email_job({.message_id = 1, .email_data = std::string("Subject: \xff\r\n")}));
}

TEST_CASE("header_value finds unfolded fields in the header block only", "[email_job]") {
  const std::string raw =
      "From MAILER-DAEMON Sun Nov 22 10:00:00 2026\n"
      "Return-Path: <a@b>\r\n"
      "message-id:\r\n"
      "  <folded@example.org>\r\n"
      "Subject: one\r\n"
      "\r\n"
      "Message-ID: <in-body@x>\r\n";
  CHECK(header_value(raw, "Message-ID") == "<folded@example.org>");
  CHECK(header_value(raw, "subject") == "one");
  CHECK_FALSE(header_value(raw, "Date"));
  CHECK_FALSE(header_value("Subject: x\n\nDate: y\n", "Date"));
  CHECK_FALSE(header_value("", "Subject"));
}
