// ferry::service's dead-letter API and `dlq` command over a catalog, without a server: a store
// that keeps its letters in memory stands in for the transports (their own integration tests
// run the same calls against Redis and RabbitMQ).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/service/dead_letter_admin.hpp"

using json = nlohmann::json;
using ferry::dead_letter_record;
namespace svc = ferry::service;

namespace {

// Letters per queue in a vector; requeued ones are counted, not delivered anywhere.
class memory_store final : public ferry::dead_letter_store {
 public:
  memory_store(std::string source, std::map<std::string, std::vector<dead_letter_record>> letters)
      : source_(std::move(source)), letters_(std::move(letters)) {}
  std::string_view source() const noexcept override { return source_; }
  std::vector<ferry::dead_letter_queue_info> queues() override {
    std::vector<ferry::dead_letter_queue_info> out;
    for (const auto& [q, v] : letters_) {
      out.push_back({.source = source_,
                     .queue = q,
                     .count = static_cast<std::int64_t>(v.size()),
                     .exists = true,
                     .counts = {{"ready", static_cast<std::int64_t>(requeued)}}});
    }
    return out;
  }
  bool serves(std::string_view q) override { return letters_.count(std::string(q)) != 0; }
  std::int64_t count(std::string_view q) override {
    return static_cast<std::int64_t>(of(q).size());
  }
  std::vector<dead_letter_record> page(std::string_view q, std::size_t offset,
                                       std::size_t limit) override {
    const auto& v = of(q);
    std::vector<dead_letter_record> out;
    for (std::size_t i = offset; i < v.size() && out.size() < limit; ++i) out.push_back(v[i]);
    return out;
  }
  std::optional<dead_letter_record> find(std::string_view q, std::string_view id) override {
    for (const auto& r : of(q)) {
      if (r.id == id) return r;
    }
    return std::nullopt;
  }
  bool requeue(std::string_view q, std::string_view id) override {
    if (!remove(q, id)) return false;
    ++requeued;
    return true;
  }
  std::size_t requeue_all(std::string_view q) override {
    const auto n = purge(q);
    requeued += n;
    return n;
  }
  bool remove(std::string_view q, std::string_view id) override {
    if (id.find(' ') != std::string_view::npos) throw std::invalid_argument("bad id");
    auto& v = of(q);
    const auto it = std::find_if(v.begin(), v.end(), [&](const auto& r) { return r.id == id; });
    if (it == v.end()) return false;
    v.erase(it);
    return true;
  }
  std::size_t purge(std::string_view q) override {
    const auto n = of(q).size();
    of(q).clear();
    return n;
  }
  std::size_t trim(std::string_view q, std::chrono::seconds max_age) override {
    auto& v = of(q);
    const auto cutoff = std::chrono::system_clock::now() - max_age;
    const auto old = std::remove_if(
        v.begin(), v.end(), [&](const auto& r) { return r.dead_at && *r.dead_at < cutoff; });
    const auto n = static_cast<std::size_t>(v.end() - old);
    v.erase(old, v.end());
    return n;
  }

  std::size_t requeued = 0;

 private:
  std::vector<dead_letter_record>& of(std::string_view q) {
    const auto it = letters_.find(std::string(q));
    if (it == letters_.end()) throw ferry::error(ferry::errc::not_found, "no such queue");
    return it->second;
  }
  std::string source_;
  std::map<std::string, std::vector<dead_letter_record>> letters_;
};

dead_letter_record letter(std::string id, std::string payload = "p") {
  dead_letter_record r;
  r.id = std::move(id);
  r.payload = std::move(payload);
  r.error = "boom\nsecond line";
  r.attempts = 3;
  r.max_attempts = 3;
  r.dead_at = std::chrono::system_clock::time_point{std::chrono::milliseconds{1700000000123}};
  r.details = {{"worker", "w1"}};
  return r;
}

struct fixture {
  std::shared_ptr<memory_store> redis = std::make_shared<memory_store>(
      "redis", std::map<std::string, std::vector<dead_letter_record>>{
                   {"emails", {letter("a"), letter("b"), letter("c", std::string("ok\xff", 3))}},
                   {"shared", {letter("r")}}});
  std::shared_ptr<memory_store> amqp = std::make_shared<memory_store>(
      "amqp", std::map<std::string, std::vector<dead_letter_record>>{{"shared", {letter("m")}}});
  std::shared_ptr<ferry::dead_letter_catalog> catalog = [this] {
    auto c = std::make_shared<ferry::dead_letter_catalog>();
    c->add(redis);
    c->add(amqp);
    return c;
  }();
  svc::http_router router = [this] {
    svc::http_router r;
    svc::add_dead_letter_routes(r, catalog, {.max_limit = 2});
    return r;
  }();

  svc::http_response call(const std::string& method, const std::string& target) {
    svc::http_request req;
    req.method = method;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::istringstream query(target.substr(q + 1));
      std::string pair;
      while (std::getline(query, pair, '&')) {
        const auto eq = pair.find('=');
        req.query.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      }
    }
    const auto m = router.match(method, req.path);
    REQUIRE(m.route != nullptr);
    req.path_params = m.params;
    return m.route->handler(req);
  }

  std::string command(svc::dead_letter_command cmd, int expect = 0) {
    std::ostringstream out;
    CHECK(svc::run_dead_letter_command(*catalog, cmd, out) == expect);
    return out.str();
  }
};

}  // namespace

TEST_CASE("dead-letter routes: stats over every store, pages, requeue, remove, purge", "[dlq]") {
  fixture f;
  auto r = f.call("GET", "/admin/dlq/stats");
  CHECK(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["total_dead"] == 5);
  REQUIRE(j["queues"].size() == 3);
  CHECK(
      j["queues"][0] ==
      json{{"source", "redis"}, {"queue", "emails"}, {"dead", 3}, {"exists", true}, {"ready", 0}});
  CHECK(j["queues"][2]["source"] == "amqp");

  r = f.call("GET", "/admin/dlq/emails?offset=1&limit=2");
  CHECK(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["source"] == "redis");
  CHECK(j["total"] == 3);
  CHECK(j["offset"] == 1);
  REQUIRE(j["messages"].size() == 2);
  const auto& m = j["messages"][1];
  CHECK(m["id"] == "c");
  CHECK(m["payload"] == "ok\xEF\xBF\xBD");  // invalid UTF-8 as U+FFFD
  CHECK(m["attempts"] == 3);
  CHECK(m["max_attempts"] == 3);
  CHECK(m["dead_at"] == "2023-11-14T22:13:20.123Z");
  CHECK(m["first_failure"].is_null());
  CHECK(m["details"]["worker"] == "w1");

  r = f.call("POST", "/admin/dlq/emails/requeue/a");
  CHECK(r.status == 200);
  CHECK(json::parse(r.body) ==
        json{{"source", "redis"}, {"queue", "emails"}, {"id", "a"}, {"requeued", 1}});
  CHECK(f.redis->requeued == 1);
  CHECK(f.call("POST", "/admin/dlq/emails/requeue/a").status == 404);
  CHECK(f.call("DELETE", "/admin/dlq/emails/b").status == 200);
  CHECK(f.call("POST", "/admin/dlq/emails/requeue-all").body.find(R"("requeued":1)") !=
        std::string::npos);
  CHECK(f.call("DELETE", "/admin/dlq/shared?source=amqp").body.find(R"("deleted":1)") !=
        std::string::npos);
  CHECK(f.redis->count("shared") == 1);  // the other source's queue of the same name
}

TEST_CASE("dead-letter routes: malformed input is 400, unknown is 404, both name it", "[dlq]") {
  fixture f;
  const auto error_of = [](const svc::http_response& r) {
    return json::parse(r.body)["error"].get<std::string>();
  };
  struct bad {
    std::string method, target;
    int status;
    std::string says;
  };
  for (const auto& c : std::vector<bad>{
           {"GET", "/admin/dlq/emails?limit=3", 400, "limit"},  // max_limit 2
           {"GET", "/admin/dlq/emails?offset=x", 400, "offset"},
           {"GET", "/admin/dlq/a%20b", 400, "queue name"},
           {"GET", "/admin/dlq/" + std::string(201, 'q'), 400, "queue name"},
           {"GET", "/admin/dlq/nope", 404, "no dead-letter queue 'nope'"},
           {"GET", "/admin/dlq/emails?source=amqp", 404, "no dead-letter queue"},
           {"GET", "/admin/dlq/shared", 400, "name the source"},
           {"DELETE", "/admin/dlq/emails/a b", 400, "bad id"},
           {"DELETE", "/admin/dlq/emails/zz", 404, "no dead letter 'zz'"},
       }) {
    INFO(c.method << " " << c.target);
    const auto r = f.call(c.method, c.target);
    CHECK(r.status == c.status);
    CHECK(error_of(r).find(c.says) != std::string::npos);
  }
  CHECK(f.redis->count("emails") == 3);  // nothing was touched
}

TEST_CASE("dlq command: a table of every source, pages, one-line errors, exit 1 when absent",
          "[dlq]") {
  fixture f;
  using svc::dead_letter_verb;
  auto out = f.command({});
  CHECK(out.find("SOURCE") == 0);
  CHECK(out.find("redis        emails                             3\n") != std::string::npos);
  CHECK(out.find("amqp         shared                             1\n") != std::string::npos);
  out = f.command({.source = "amqp"});
  CHECK(out.find("redis") == std::string::npos);
  CHECK(json::parse(f.command({.source = "amqp", .json = true}))["total_dead"] == 1);

  out = f.command({.queue = "emails", .limit = 2});
  CHECK(out.find("emails (redis): 3 dead letter(s), showing 1-2\n") == 0);
  CHECK(out.find("  a  attempts=3/3  dead_at=2023-11-14T22:13:20.123Z  error=boom second line\n") !=
        std::string::npos);
  CHECK(json::parse(f.command({.queue = "emails", .json = true}))["total"] == 3);

  CHECK(f.command({.verb = dead_letter_verb::requeue, .queue = "emails", .id = "a"}) ==
        "requeued a\n");
  CHECK(f.command({.verb = dead_letter_verb::requeue, .queue = "emails", .id = "a"}, 1) ==
        "no dead letter a in emails\n");
  CHECK(f.command({.verb = dead_letter_verb::remove, .queue = "emails", .id = "b"}) ==
        "deleted b\n");
  CHECK(f.command(
            {.verb = dead_letter_verb::remove, .source = "amqp", .queue = "shared", .id = "m"}) ==
        "deleted m\n");
  CHECK(f.command({.verb = dead_letter_verb::requeue, .queue = "emails", .all = true}) ==
        "requeued 1 dead letter(s) of emails\n");
  CHECK(f.command({.verb = dead_letter_verb::purge, .source = "redis", .queue = "shared"}) ==
        "deleted 1 dead letter(s) of shared\n");

  std::ostringstream sink;
  const auto run = [&](svc::dead_letter_command c) {
    return svc::run_dead_letter_command(*f.catalog, c, sink);
  };
  CHECK_THROWS_AS(run({.verb = dead_letter_verb::requeue, .queue = "emails"}),
                  std::invalid_argument);  // neither id nor all
  CHECK_THROWS_AS(run({.verb = dead_letter_verb::remove, .queue = "emails"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(run({.verb = dead_letter_verb::purge, .queue = "a{b}"}), std::invalid_argument);
  CHECK_THROWS_AS(run({.verb = dead_letter_verb::purge, .queue = "nope"}), ferry::error);
}

TEST_CASE("queue names and times as the dead-letter API writes them", "[dlq]") {
  CHECK_NOTHROW(svc::check_dead_letter_queue_name("emails.high:v2-x_y"));
  for (const std::string& bad :
       std::vector<std::string>{"", "a b", "a{b}", "a*", "a/b", std::string(201, 'a')}) {
    CHECK_THROWS_AS(svc::check_dead_letter_queue_name(bad), std::invalid_argument);
  }
  using namespace std::chrono;
  CHECK(svc::iso8601_millis(system_clock::time_point{milliseconds{1700000000123}}) ==
        "2023-11-14T22:13:20.123Z");
  // Before 1970 the fraction counts forward from the whole second (found by fuzzing: ".-959Z").
  CHECK(svc::iso8601_millis(system_clock::time_point{milliseconds{-959}}) ==
        "1969-12-31T23:59:59.041Z");
}

TEST_CASE("dead_letter_catalog::trim applies one retention to every store's queues", "[dlq]") {
  fixture f;
  f.amqp = std::make_shared<memory_store>(
      "amqp", std::map<std::string, std::vector<dead_letter_record>>{{"other", {letter("n")}}});
  ferry::dead_letter_catalog c;
  c.add(f.redis);
  c.add(f.amqp);
  CHECK(c.trim(std::chrono::hours(24 * 365 * 100)) == 0);  // none is a century old
  CHECK(c.trim(std::chrono::hours(24)) == 5);              // all died in 2023
  CHECK(c.queues().size() == 3);                           // the queues stay, empty
}
