// Every URL parser, fed many URLs whose password is the marker and whose other parts are random
// URL characters: whether it accepts or refuses each, no piece of the marker shows.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "ferry/amqp/url.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/url.hpp"
#include "ferry/redis/url.hpp"
#include "ferry/sql/database_url.hpp"
#include "url_marker.hpp"

namespace {

// Characters that steer URL splitting, and a few plain ones.
std::string random_part(std::mt19937& rng, std::size_t max_length) {
  static constexpr std::string_view alphabet = "ab1:/?#@[]%&=.25";
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t n = length(rng); n > 0; --n) out += alphabet[pick(rng)];
  return out;
}

// Runs `parse` on `url`; checks its to_string() or its error message.
template <class Parse>
void check_parser(const std::string& url, Parse parse) {
  try {
    ferry_test::check_no_marker(parse(url));
  } catch (const ferry::error& e) {
    ferry_test::check_no_marker(e.what());
  }
}

}  // namespace

TEST_CASE("URL parsers: a marker password never shows, whatever surrounds it", "[url]") {
  static constexpr std::string_view schemes[] = {"redis",    "unix",       "amqp", "amqps",
                                                 "postgres", "postgresql", "x"};
  std::mt19937 rng(20261205);  // fixed: the same URLs every run
  std::uniform_int_distribution<std::size_t> scheme_pick(0, std::size(schemes) - 1);
  for (int i = 0; i < 3000; ++i) {
    const std::string url = std::string(schemes[scheme_pick(rng)]) + "://" + random_part(rng, 4) +
                            ":" + std::string(ferry_test::marker_in_url) + "@" +
                            random_part(rng, 10);
    INFO(url);
    check_parser(url, [](const std::string& u) {
      return ferry::redis::to_string(ferry::redis::parse_url(u));
    });
    check_parser(url, [](const std::string& u) { return ferry::amqp::url::parse(u).to_string(); });
    check_parser(
        url, [](const std::string& u) { return ferry::sql::database_url::parse(u).to_string(); });
    ferry_test::check_no_marker(ferry::redact_url(url));
  }
}
