// Fuzz target: the Postfix policy protocol parser (ferry::postfix, policy_request.hpp), which
// reads whatever an SMTP client's Postfix (or anyone reaching the port) sends.
//
// Properties: the input read as one stream gives the same verdicts — every completed request
// with every attribute, then the final status and the bytes left over — whether it arrives in
// one read, byte by byte, or in random segments (derived from the input, so a finding replays).
// Checked with the default limits and with small ones, so the fuzzer reaches the limits with
// short inputs. Counters stay within the limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include <ferry/postfix/policy_request.hpp>

namespace {

using namespace ferry::postfix;

// What the server would see: each completed request, then how the stream ended.
struct transcript {
  std::vector<std::string> requests;  // every field of each request, flattened
  parse_status final_status = parse_status::need_more;
  std::string left_over;  // unconsumed bytes when the stream ended without an error

  bool operator==(const transcript&) const = default;
};

std::string flatten(const policy_request& r) {
  std::string out;
  for (const std::string* s :
       {&r.request, &r.protocol_state, &r.protocol_name, &r.sender, &r.recipient, &r.client_address,
        &r.client_name, &r.helo_name, &r.queue_id, &r.instance, &r.sasl_username}) {
    out += std::to_string(s->size()) + ":" + *s + ";";
  }
  out += r.has_recipient ? "R" : "-";
  out += std::to_string(r.attribute_count) + "/" + std::to_string(r.ignored_count);
  return out;
}

// Feeds `input` cut at `cuts` (ascending offsets) the way the server does: the unconsumed
// bytes stay buffered and are presented again with the next read appended.
transcript run(std::string_view input, const std::vector<std::size_t>& cuts,
               const parser_limits& limits) {
  request_parser parser(limits);
  transcript t;
  std::string buffer;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : input.size();
    buffer.append(input.substr(from, to - from));
    from = to;
    for (;;) {
      const auto r = parser.consume(buffer);
      ferry::fuzz::check(r.consumed <= buffer.size(), "consumed more than it was given");
      buffer.erase(0, r.consumed);
      if (r.status == parse_status::request_ready) {
        const auto& q = parser.request();
        ferry::fuzz::check(q.ignored_count <= q.attribute_count, "ignored > attributes");
        ferry::fuzz::check(q.attribute_count <= limits.max_attributes,
                           "more attributes than max_attributes");
        t.requests.push_back(flatten(q));
        parser.reset();
        continue;
      }
      if (r.status != parse_status::need_more) {
        t.final_status = r.status;
        return t;  // an error is final for the connection
      }
      break;  // need more: read again
    }
  }
  t.left_over = buffer;
  return t;
}

std::string describe(const transcript& t) {
  std::string out = std::to_string(t.requests.size()) + " requests, then " +
                    std::string(to_string(t.final_status)) + ", " +
                    std::to_string(t.left_over.size()) + " bytes left";
  return out;
}

void check_segmentations(std::string_view input, const parser_limits& limits) {
  const transcript whole = run(input, {}, limits);

  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
  const transcript bytewise = run(input, every_byte, limits);
  if (!(bytewise == whole)) {
    ferry::fuzz::fail("byte-by-byte verdict differs from one read",
                      "one read: " + describe(whole) + "; byte by byte: " + describe(bytewise));
  }

  ferry::fuzz::splitmix rng(ferry::fuzz::hash_bytes(input));
  for (int round = 0; round < 2; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += 1 + static_cast<std::size_t>(rng.next() % (round == 0 ? 8 : 80));
      if (at >= input.size()) break;
      cuts.push_back(at);
    }
    const transcript segmented = run(input, cuts, limits);
    if (!(segmented == whole)) {
      ferry::fuzz::fail("verdict in random segments differs from one read",
                        "one read: " + describe(whole) + "; segmented: " + describe(segmented));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_segmentations(input, parser_limits{});
  check_segmentations(
      input, parser_limits{.max_line_bytes = 24, .max_request_bytes = 160, .max_attributes = 6});
  return 0;
}
