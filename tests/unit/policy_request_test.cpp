// The Postfix policy protocol parser: framing, attributes, limits, hostile input.
#include <catch2/catch.hpp>

#include <string>

#include "policy_request.hpp"

using namespace ferry::apps::policy;

namespace {

const std::string rcpt_request =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
    "client_address=192.0.2.1\nclient_name=mx.example\nhelo_name=mx.example\nsender=a@b.example\n"
    "recipient=Known@Test.example\nrecipient_count=0\nqueue_id=\ninstance=123.456.7\n"
    "size=0\nsasl_method=\nccert_subject=\nfuture_attribute=whatever\n\n";

}  // namespace

TEST_CASE("policy parser reads a complete RCPT request", "[policy][parser]") {
  request_parser parser;
  const auto r = parser.consume(rcpt_request);
  REQUIRE(r.status == parse_status::request_ready);
  CHECK(r.consumed == rcpt_request.size());
  const auto& q = parser.request();
  CHECK(q.request == "smtpd_access_policy");
  CHECK(q.protocol_state == "RCPT");
  CHECK(q.recipient == "Known@Test.example");
  CHECK(q.has_recipient);
  CHECK(q.sender == "a@b.example");
  CHECK(q.client_address == "192.0.2.1");
  CHECK(q.instance == "123.456.7");
  CHECK(q.queue_id.empty());
  CHECK(q.attribute_count == 15);
  CHECK(q.ignored_count ==
        5);  // recipient_count, size, sasl_method, ccert_subject, future_attribute
}

TEST_CASE("policy parser handles a request split at every byte", "[policy][parser]") {
  request_parser parser;
  std::string buffer;
  parse_result r;
  for (const char c : rcpt_request) {
    buffer += c;
    r = parser.consume(buffer);
    buffer.erase(0, r.consumed);
    if (r.status != parse_status::need_more) break;
  }
  REQUIRE(r.status == parse_status::request_ready);
  CHECK(buffer.empty());
  CHECK(parser.request().recipient == "Known@Test.example");
}

TEST_CASE("policy parser stops after one request and keeps the next", "[policy][parser]") {
  request_parser parser;
  const std::string two =
      "request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=a@x\n\n"
      "request=smtpd_access_policy\nprotocol_state=MAIL\n\n";
  auto r = parser.consume(two);
  REQUIRE(r.status == parse_status::request_ready);
  CHECK(parser.request().recipient == "a@x");
  parser.reset();
  CHECK_FALSE(parser.request().has_recipient);
  r = parser.consume(std::string_view(two).substr(r.consumed));
  REQUIRE(r.status == parse_status::request_ready);
  CHECK(parser.request().protocol_state == "MAIL");
  CHECK(parser.request().recipient.empty());
}

TEST_CASE("policy parser accepts CRLF, empty values and values containing '='",
          "[policy][parser]") {
  request_parser parser;
  const auto r =
      parser.consume("request=smtpd_access_policy\r\nsender=\r\nrecipient=a=b@x\r\n\r\n");
  REQUIRE(r.status == parse_status::request_ready);
  CHECK(parser.request().sender.empty());
  CHECK(parser.request().recipient == "a=b@x");
}

TEST_CASE("policy parser waits for the end of an incomplete request", "[policy][parser]") {
  request_parser parser;
  const auto r = parser.consume("request=smtpd_access_policy\nprotocol_state=RC");
  CHECK(r.status == parse_status::need_more);
  CHECK(r.consumed == 28);  // the complete first line only
}

TEST_CASE("policy parser rejects malformed lines", "[policy][parser]") {
  for (const std::string& bad :
       {std::string("no equals sign\n\n"), std::string("=value\n\n"), std::string("na me=x\n\n"),
        std::string("name=a\0b\n\n", 10), std::string("\x01\x02\xff=junk\n\n")}) {
    request_parser parser;
    CHECK(parser.consume(bad).status == parse_status::malformed);
  }
}

TEST_CASE("policy parser enforces its limits", "[policy][parser]") {
  const parser_limits limits{.max_line_bytes = 100, .max_request_bytes = 300, .max_attributes = 5};
  SECTION("a long unterminated line is refused before it ends") {
    request_parser parser(limits);
    CHECK(parser.consume("recipient=" + std::string(200, 'a')).status ==
          parse_status::line_too_long);
  }
  SECTION("a long terminated line") {
    request_parser parser(limits);
    CHECK(parser.consume("recipient=" + std::string(95, 'a') + "\n").status ==
          parse_status::line_too_long);
  }
  SECTION("a line exactly at the limit is fine") {
    request_parser parser(limits);
    CHECK(parser.consume("recipient=" + std::string(90, 'a') + "\n\n").status ==
          parse_status::request_ready);
  }
  SECTION("too many attributes") {
    request_parser parser(limits);
    std::string many;
    for (int i = 0; i < 6; ++i) many += "a" + std::to_string(i) + "=1\n";
    CHECK(parser.consume(many).status == parse_status::request_too_large);
  }
  SECTION("too many bytes") {
    request_parser parser(limits);
    std::string big;
    for (int i = 0; i < 4; ++i) big += "x" + std::to_string(i) + "=" + std::string(90, 'b') + "\n";
    CHECK(parser.consume(big).status == parse_status::request_too_large);
  }
}
