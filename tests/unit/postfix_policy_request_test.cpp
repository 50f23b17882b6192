// The Postfix policy protocol parser: framing, attributes, limits, hostile input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>
#include <string>

#include <ferry/postfix/policy_request.hpp>

using namespace ferry::postfix;

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

TEST_CASE("policy parser: a line's limit is the same however its bytes arrive",
          "[policy][parser]") {
  // A line of exactly max_line_bytes content, ended by "\r\n", then the request's end.
  const parser_limits limits{.max_line_bytes = 100};
  const std::string at_limit = "recipient=" + std::string(90, 'a');
  const std::string over_limit = at_limit + "b";
  const auto request = [](const std::string& line) { return line + "\r\n\r\n"; };

  SECTION("at the limit: accepted in one write, byte by byte and in every split") {
    const auto whole = parse_stream(request(at_limit), 0, limits);
    REQUIRE(whole.end == parse_status::need_more);
    REQUIRE(whole.requests.size() == 1);
    CHECK(whole.requests[0].recipient == std::string(90, 'a'));
    for (std::size_t chunk = 1; chunk <= request(at_limit).size(); ++chunk) {
      INFO("chunk " << chunk);
      CHECK(parse_stream(request(at_limit), chunk, limits) == whole);
    }
  }
  SECTION("at the limit: '\\r' and '\\n' in separate writes") {
    request_parser parser(limits);
    std::string buffer = at_limit + "\r";
    auto r = parser.consume(buffer);
    REQUIRE(r.status == parse_status::need_more);
    buffer.erase(0, r.consumed);
    buffer += "\n\r\n";
    r = parser.consume(buffer);
    CHECK(r.status == parse_status::request_ready);
    CHECK(parser.request().recipient == std::string(90, 'a'));
  }
  SECTION("one byte over: refused in one write, byte by byte and in every split") {
    for (std::size_t chunk = 0; chunk <= request(over_limit).size(); ++chunk) {
      INFO("chunk " << chunk);
      const auto r = parse_stream(request(over_limit), chunk, limits);
      CHECK(r.end == parse_status::line_too_long);
      CHECK(r.requests.empty());
    }
  }
  SECTION("a '\\r' inside a line is content and counts") {
    const std::string line = at_limit + "\r" + "x";  // 102 bytes of content
    for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{101}}) {
      CHECK(parse_stream(line + "\n\n", chunk, limits).end == parse_status::line_too_long);
    }
  }
}

TEST_CASE("policy parser: a 64 KiB line ending in CRLF is accepted in one write and byte by byte",
          "[policy][parser]") {
  const std::string input =
      "request=smtpd_access_policy\r\nrecipient=" + std::string(64 * 1024 - 10, 'a') + "\r\n\r\n";
  const auto whole = parse_stream(input, 0);
  REQUIRE(whole.end == parse_status::need_more);
  REQUIRE(whole.requests.size() == 1);
  CHECK(whole.pending_bytes == 0);
  CHECK(parse_stream(input, 1) == whole);
  CHECK(parse_stream(input, input.size() - 3) == whole);  // the last "\n" and "\r\n" later
  CHECK(parse_stream(input, input.size() - 2) == whole);  // "\r" of the end line alone
}

TEST_CASE("policy parser: pipelined requests and a partial tail parse alike in any chunking",
          "[policy][parser]") {
  const std::string input = rcpt_request + "request=smtpd_access_policy\nprotocol_state=MAIL\n\n" +
                            "request=smtpd_access_policy\nprotocol_sta";
  const auto whole = parse_stream(input, 0);
  REQUIRE(whole.requests.size() == 2);
  CHECK(whole.end == parse_status::need_more);
  CHECK(whole.pending_bytes == std::string("protocol_sta").size());
  for (std::size_t chunk = 1; chunk < 64; ++chunk) {
    INFO("chunk " << chunk);
    CHECK(parse_stream(input, chunk) == whole);
  }
}

TEST_CASE("policy parser: the verdict never depends on the chunking (generated streams)",
          "[policy][parser]") {
  // Small limits and pieces rich in terminators reach every status (malformed, too long,
  // too large, complete requests, a partial tail).
  const parser_limits limits{.max_line_bytes = 8, .max_request_bytes = 16, .max_attributes = 3};
  const std::string_view pieces[] = {"a=1", "a=1", "bb=",  "=",  "x",   "aaaa",
                                     "\n",  "\n",  "\r\n", "\r", "\n\n"};
  std::uint32_t state = 12345;  // fixed seed: the same streams every run
  const auto next = [&state] {
    state = state * 1664525U + 1013904223U;
    return state >> 8;
  };
  for (int i = 0; i < 3000; ++i) {
    std::string input;
    for (int n = static_cast<int>(next() % 24); n > 0; --n) {
      input += pieces[next() % std::size(pieces)];
    }
    const auto whole = parse_stream(input, 0, limits);
    for (const std::size_t chunk :
         {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
      INFO("input '" << input << "' chunk " << chunk);
      REQUIRE(parse_stream(input, chunk, limits) == whole);
    }
  }
}
