// ferry's RESP reader (lib/redis/reply_reader) on whichever hiredis ferry was built with: the
// RESP2 replies ferry reads must come out the same on 0.14 and 1.x; RESP3 is 1.x only.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/redis/reply.hpp"
#include "redis/reply_reader.hpp"

using ferry::redis::reply;
using ferry::redis::detail::hiredis_parses_resp3;
using ferry::redis::detail::hiredis_version;
using ferry::redis::detail::reply_reader;
using namespace std::string_view_literals;

namespace {

struct parsed {
  std::vector<reply> replies;
  std::string error;  // hiredis's complaint when the stream failed
};

// Every reply in `wire`, fed `chunk` bytes at a time, up to the first bad input.
parsed read_all(std::string_view wire, std::size_t chunk = 4096) {
  reply_reader in;
  parsed out;
  for (std::size_t off = 0; off < wire.size(); off += chunk) {
    in.feed(wire.data() + off, std::min(chunk, wire.size() - off));
    for (;;) {
      reply r;
      auto got = in.next(r);
      if (got == reply_reader::result::incomplete) break;
      if (got == reply_reader::result::bad_input) {
        out.error = in.error_text();
        return out;
      }
      out.replies.push_back(std::move(r));
    }
  }
  return out;
}

// `depth` arrays of one element around the integer 1.
std::string nested(int depth) {
  std::string wire;
  for (int i = 0; i < depth; ++i) wire += "*1\r\n";
  return wire + ":1\r\n";
}

reply nested_reply(int depth) {
  reply r = reply::make_integer(1);
  for (int i = 0; i < depth; ++i) r = reply::make_array({std::move(r)});
  return r;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<reply> {
  static std::string convert(const reply& r) { return r.debug_string(); }
};
}  // namespace Catch

TEST_CASE("redis reader: the hiredis ferry was built with", "[redis][reader]") {
  // scripts/test's hiredis legs set FERRY_EXPECT_HIREDIS_VERSION, so a build that picked up
  // another hiredis than the one under test fails here.
  const std::string version(hiredis_version());
  INFO("ferry_redis was compiled against hiredis " << version);
  CHECK_THAT(version, Catch::Matches("[0-9]+\\.[0-9]+\\.[0-9]+"));
  CHECK(hiredis_parses_resp3() == (version.rfind("0.", 0) != 0));
  if (const char* expected = std::getenv("FERRY_EXPECT_HIREDIS_VERSION")) {
    CHECK(version == expected);
  }
}

TEST_CASE("redis reader: RESP2 replies, whole or byte by byte", "[redis][reader]") {
  const std::string wire =
      std::string("+OK\r\n-ERR no\r\n:-42\r\n$3\r\na\0b\r\n$0\r\n\r\n$-1\r\n"sv) +
      "*-1\r\n*0\r\n*3\r\n$1\r\nx\r\n*2\r\n:1\r\n$-1\r\n+QUEUED\r\n";
  const std::vector<reply> expected{
      reply::make_status("OK"),
      reply::make_error("ERR no"),
      reply::make_integer(-42),
      reply::make_string(std::string("a\0b", 3)),
      reply::make_string(""),
      reply{},
      reply{},
      reply::make_array({}),
      reply::make_array({reply::make_string("x"),
                         reply::make_array({reply::make_integer(1), reply{}}),
                         reply::make_status("QUEUED")}),
  };
  for (std::size_t chunk : {std::size_t{4096}, std::size_t{1}}) {
    auto got = read_all(wire, chunk);
    CHECK(got.error.empty());
    CHECK(got.replies == expected);
  }
}

TEST_CASE("redis reader: idle only between replies", "[redis][reader]") {
  reply_reader in;
  reply r;
  CHECK(in.idle());
  in.feed("*2\r\n:1\r\n", 8);
  CHECK(in.next(r) == reply_reader::result::incomplete);
  CHECK_FALSE(in.idle());  // half an array parsed, nothing left in the buffer
  in.feed(":2\r\n+O", 6);
  CHECK(in.next(r) == reply_reader::result::reply);
  CHECK_FALSE(in.idle());  // the start of the next reply is buffered
  in.feed("K\r\n", 3);
  CHECK(in.next(r) == reply_reader::result::reply);
  CHECK(r == reply::make_status("OK"));
  CHECK(in.idle());
}

TEST_CASE("redis reader: bytes that are not RESP fail the stream", "[redis][reader]") {
  auto got = read_all(":1\r\n?what\r\n:2\r\n");
  CHECK(got.replies == std::vector<reply>{reply::make_integer(1)});
  CHECK_THAT(got.error, Catch::StartsWith("Protocol error"));
  // A multi-bulk count beyond what either version accepts (0.14: INT_MAX, 1.x: 2^32-1).
  got = read_all("*4294967296\r\n");
  CHECK(got.replies.empty());
  CHECK(got.error == "Multi-bulk length out of range");
}

TEST_CASE("redis reader: an announced element count allocates nothing up front",
          "[redis][reader]") {
  // A 15-byte header announcing two billion elements (within what hiredis accepts) must not
  // make the reader allocate for them up front: the elements that actually arrive are kept,
  // and the reply stays incomplete until the rest comes.
  reply_reader in;
  const std::string head = "*2000000000\r\n:1\r\n$2\r\nab\r\n";
  in.feed(head.data(), head.size());
  reply r;
  CHECK(in.next(r) == reply_reader::result::incomplete);
  CHECK_FALSE(in.idle());

  // A large array still reads whole, element by element.
  std::string wire = "*3\r\n*100000\r\n";
  for (int i = 0; i < 100000; ++i) wire += ":" + std::to_string(i) + "\r\n";
  wire += "*0\r\n$-1\r\n";
  auto got = read_all(wire, 1000);
  REQUIRE(got.error.empty());
  REQUIRE(got.replies.size() == 1);
  const auto& outer = got.replies[0].elements();
  REQUIRE(outer.size() == 3);
  REQUIRE(outer[0].elements().size() == 100000);
  CHECK(outer[0].elements()[99999] == reply::make_integer(99999));
  CHECK(outer[1].elements().empty());
  CHECK(outer[2].is_nil());
}

TEST_CASE("redis reader: RESP3 reads as the RESP2 shapes (hiredis 1.x)", "[redis][reader]") {
  // double, booleans, null, map, set, push, verbatim string, big number
  const std::string wire =
      ",3.25\r\n,inf\r\n#t\r\n#f\r\n_\r\n%2\r\n+a\r\n:1\r\n+b\r\n,-0.5\r\n~2\r\n:1\r\n:2\r\n"
      ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n=9\r\ntxt:hello\r\n"
      "(3492890328409238509324850943850943825024385\r\n";
  if (!hiredis_parses_resp3()) {
    auto got = read_all(wire);
    CHECK(got.replies.empty());
    CHECK_THAT(got.error, Catch::StartsWith("Protocol error"));
    return;
  }
  const std::vector<reply> expected{
      reply::make_string("3.25"),
      reply::make_string("inf"),
      reply::make_integer(1),
      reply::make_integer(0),
      reply{},
      reply::make_array({reply::make_status("a"), reply::make_integer(1), reply::make_status("b"),
                         reply::make_string("-0.5")}),
      reply::make_array({reply::make_integer(1), reply::make_integer(2)}),
      reply::make_array(
          {reply::make_string("message"), reply::make_string("ch"), reply::make_string("hi")}),
      reply::make_string("hello"),
      reply::make_string("3492890328409238509324850943850943825024385"),
  };
  for (std::size_t chunk : {std::size_t{4096}, std::size_t{1}}) {
    auto got = read_all(wire, chunk);
    CHECK(got.error.empty());
    CHECK(got.replies == expected);
  }
}

TEST_CASE("redis reader: nesting depth (0.14 stops at 8 levels)", "[redis][reader]") {
  auto got = read_all(nested(8));
  CHECK(got.error.empty());
  CHECK(got.replies == std::vector<reply>{nested_reply(8)});
  got = read_all(nested(40));
  if (hiredis_parses_resp3()) {
    CHECK(got.error.empty());
    CHECK(got.replies == std::vector<reply>{nested_reply(40)});
  } else {
    CHECK(got.replies.empty());
    CHECK(got.error == "No support for nested multi bulk replies with depth > 7");
  }
}
