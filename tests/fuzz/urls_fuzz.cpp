// Fuzz target: every URL parser of the library — the splitter and redactors under all of them
// (ferry::split_url, redact_url, redact_urls_in), Redis (redis::parse_url), RabbitMQ
// (amqp::url::parse), databases (sql::database_url::parse), the redactors used for messages
// (redis::redact_url, redact_urls_in) and the Celery broker URL dispatch (celery::open_broker,
// on the mistyped URLs it refuses without connecting). Their input is configuration that operators
// paste, often with passwords full of punctuation, and it ends up in logs.
//
// The input builds `scheme://user:<p1>MARKER<p2>@<rest>`: the only '@' is the one that ends the
// password, so MARKER is unambiguously inside the password whatever punctuation (':', '/', '?',
// '#', '%') surrounds it. Properties: MARKER never appears in an error message, in
// to_string(), endpoint() or a redacted URL; an accepted URL has MARKER in its password (not
// in its host or path); to_string() parses again to the same to_string().
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/amqp/url.hpp>
#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/redis/plugin.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/core/error.hpp>
#include <ferry/core/url.hpp>
#include <ferry/redis/url.hpp>
#include <ferry/sql/database_url.hpp>

#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;
using ferry::fuzz::fail;

// Starts with two letters that are not hex digits, so no percent-escape can swallow its start.
constexpr std::string_view marker = "ZZmarkerPW7";

std::string without(std::string s, std::string_view chars) {
  std::erase_if(s, [&](char c) { return chars.find(c) != std::string_view::npos; });
  return s;
}

void no_marker(std::string_view text, std::string_view where, std::string_view url) {
  if (text.find(marker) != std::string_view::npos) {
    fail(std::string("the password appears in ") + std::string(where),
         std::string(text) + "\n  for URL: " + std::string(url));
  }
}

// In free text a URL ends at whitespace (redact_urls_in): a URL with a space
// cannot be told from the text around it, so those two are checked on URLs without one.
bool has_space(std::string_view s) {
  return s.find_first_of(" \t\n\r\f\v") != std::string_view::npos;
}

bool has_marker(const std::string& s) {
  return s.find(marker) != std::string::npos;
}

void check_error(const ferry::error& e, std::string_view url) {
  check(e.code() == ferry::errc::config || e.code() == ferry::errc::unsupported,
        "unexpected error code", e.what());
  no_marker(e.what(), "an error message", url);
}

// One parser: `parse` gives a value (or throws), `password` and `show` read it back. An
// accepted URL holds the marker in its password only, and what `show` prints parses again to
// the same text.
template <class Parse, class Password, class Show>
void check_parser(std::string_view name, const std::string& url, Parse parse, Password password,
                  Show show) {
  decltype(parse(url)) value;
  try {
    value = parse(url);
  } catch (const ferry::error& e) {
    check_error(e, url);
    return;
  }
  check(has_marker(password(value)), "the password was not read as the password", url);
  const std::string shown = show(value);
  no_marker(shown, std::string(name) + " to_string", url);
  try {
    check(show(parse(shown)) == shown, std::string(name) + " to_string does not parse back", shown);
  } catch (const ferry::error& e) {
    fail(std::string(name) + " refuses what its to_string wrote", e.what());
  }
}

// The splitter every parser uses: the marker lands in the password, nowhere else.
void split(const std::string& url) {
  no_marker(ferry::redact_url(url), "ferry::redact_url", url);
  if (!has_space(url)) {
    no_marker(ferry::redact_urls_in("connecting to " + url + " failed; retrying " + url),
              "ferry::redact_urls_in", url);
  }
  ferry::url_parts p;
  try {
    p = ferry::split_url(url, "fuzz");
  } catch (const ferry::error& e) {
    check_error(e, url);
    return;
  }
  check(p.password && has_marker(std::string(*p.password)),
        "split_url did not read the password as the password", url);
  for (const std::string_view part : {p.scheme, p.host, p.path, p.query}) {
    no_marker(part, "a URL part other than the password", url);
  }
  if (p.user) no_marker(*p.user, "the URL's user", url);
}

void redis_url(const std::string& url) {
  no_marker(ferry::redis::redact_url(url), "redis::redact_url", url);
  check_parser(
      "redis", url, [](const std::string& u) { return ferry::redis::parse_url(u); },
      [](const ferry::redis::options& o) { return o.password.value_or(""); },
      [](const ferry::redis::options& o) { return ferry::redis::to_string(o); });
}

void amqp_url(const std::string& url) {
  check_parser(
      "amqp", url, [](const std::string& u) { return ferry::amqp::url::parse(u); },
      [](const ferry::amqp::url& u) { return u.password; },
      [&](const ferry::amqp::url& u) {
        no_marker(u.endpoint(), "amqp::url::endpoint", url);
        return u.to_string();
      });
}

void database_url(const std::string& url) {
  if (!has_space(url)) no_marker(ferry::redact_urls_in(url), "redact_urls_in", url);
  check_parser(
      "sql", url, [](const std::string& u) { return ferry::sql::database_url::parse(u); },
      [](const ferry::sql::database_url& d) { return d.password; },
      [](const ferry::sql::database_url& d) { return d.to_string(); });
}

// `url` with its "://" mistyped as ":/" (CELERY_BROKER_URL=amqp:/user:pw@host): open_broker
// must refuse it without quoting the password. URLs it would accept are skipped: it connects.
void mistyped_broker_url(const std::string& url) {
  static const bool registered = [] {
    ferry::celery::amqp::register_plugin();
    ferry::celery::redis::register_plugin();
    return true;
  }();
  (void)registered;
  std::string typo = url;
  typo.erase(typo.find("://") + 2, 1);
  const std::string scheme = typo.substr(0, typo.find("://"));
  for (const char* known : {"amqp", "amqps", "pyamqp", "redis", "rediss", "unix", "memory"}) {
    if (scheme == known) return;
  }
  try {
    (void)ferry::celery::open_broker(typo);
  } catch (const ferry::error& e) {
    check_error(e, typo);
    return;
  }
  fail("open_broker accepted a URL without a known scheme", typo);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int which = in.ConsumeIntegralInRange(0, 6);
  // No 'Z' outside the password: the marker cannot be assembled anywhere else.
  const std::string user = without(in.ConsumeRandomLengthString(24), ":@Z");
  const std::string p1 = without(in.ConsumeRandomLengthString(24), "@");
  const std::string p2 = without(in.ConsumeRandomLengthString(24), "@");
  const std::string rest = without(in.ConsumeRemainingBytesAsString(), "@Z");
  static constexpr std::string_view schemes[] = {"redis", "rediss",     "unix",    "amqp",
                                                 "amqps", "postgresql", "postgres"};
  const std::string url =
      std::string(schemes[which]) + "://" + user + ":" + p1 + std::string(marker) + p2 + "@" + rest;
  if (which <= 2) {
    redis_url(url);
  } else if (which <= 4) {
    amqp_url(url);
  } else {
    database_url(url);
  }
  split(url);
  mistyped_broker_url(url);
  return 0;
}
