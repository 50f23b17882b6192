// Fuzz target: Redis replies (lib/redis/reply_reader on hiredis's RESP parser), the bytes a
// Redis server — or whoever answers on its address — sends to every ferry client.
//
// Properties: the stream gives the same replies and the same end (bad input or not) whether it
// arrives in one read, byte by byte or in random segments; each reply written back as RESP2
// reads back equal (replies from RESP3 types are RESP2 kinds already), after which the reader
// is idle.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/redis/reply.hpp>

#include "fuzz_check.hpp"
#include "redis/reply_reader.hpp"

namespace {

using ferry::fuzz::check;
using ferry::redis::reply;
using ferry::redis::detail::reply_reader;

struct outcome {
  std::vector<reply> replies;
  bool bad_input = false;
};

outcome read(std::string_view wire, const std::vector<std::size_t>& cuts) {
  reply_reader in;
  outcome out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : wire.size();
    in.feed(wire.data() + from, to - from);
    from = to;
    for (;;) {
      reply r;
      const auto got = in.next(r);
      if (got == reply_reader::result::incomplete) break;
      if (got == reply_reader::result::bad_input) {
        out.bad_input = true;
        return out;
      }
      out.replies.push_back(std::move(r));
    }
  }
  return out;
}

void write_resp(const reply& r, std::string& out) {
  switch (r.type()) {
    case reply::kind::nil: out += "$-1\r\n"; break;
    case reply::kind::integer: out += ":" + std::to_string(r.as_integer()) + "\r\n"; break;
    case reply::kind::string:
      out += "$" + std::to_string(r.as_string().size()) + "\r\n" + r.as_string() + "\r\n";
      break;
    case reply::kind::status: out += "+" + r.as_string() + "\r\n"; break;
    case reply::kind::error: out += "-" + r.error_message() + "\r\n"; break;
    case reply::kind::array:
      out += "*" + std::to_string(r.elements().size()) + "\r\n";
      for (const auto& e : r.elements()) write_resp(e, out);
      break;
  }
}

bool same(const outcome& a, const outcome& b) {
  return a.bad_input == b.bad_input && a.replies == b.replies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view wire(reinterpret_cast<const char*>(data), size);
  const outcome whole = read(wire, {});

  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < wire.size(); ++i) every_byte.push_back(i);
  check(same(read(wire, every_byte), whole), "byte-by-byte replies differ from one read");
  ferry::fuzz::splitmix rng(ferry::fuzz::hash_bytes(wire));
  std::vector<std::size_t> cuts;
  for (std::size_t at = 1 + rng.next() % 16; at < wire.size(); at += 1 + rng.next() % 16) {
    cuts.push_back(at);
  }
  check(same(read(wire, cuts), whole), "replies in random segments differ from one read");

  for (const auto& r : whole.replies) {
    std::string resp;
    write_resp(r, resp);
    reply_reader in;
    in.feed(resp.data(), resp.size());
    reply back;
    check(in.next(back) == reply_reader::result::reply && back == r,
          "reply changed through RESP2 and back", resp);
    check(in.idle(), "reader not idle after a whole reply", resp);
  }
  return 0;
}
