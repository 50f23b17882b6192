// Interop: a Celery-style message published by Python's kombu (py-amqp) is decoded by ferry
// with every header type Celery uses (nested tables, arrays, strings, ints, None, bools).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "amqp_test_util.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

using namespace ferry::amqp;
using namespace ferry_amqp_test;

namespace {
constexpr const char* publish_script = R"(
import sys, kombu
url, queue = sys.argv[1], sys.argv[2]
headers = {
    'lang': 'py', 'task': 'proj.tasks.add', 'id': 'abc-123', 'root_id': 'abc-123',
    'parent_id': None, 'group': None, 'retries': 0, 'eta': None, 'expires': None,
    'timelimit': [None, None], 'argsrepr': '(2, 3)', 'kwargsrepr': '{}',
    'origin': 'gen1@host', 'ignore_result': False, 'big': 2**40, 'ratio': 0.5,
    'stamps': {'nested': {'deep': [1, 'two', None, True]}},
}
with kombu.Connection(url) as conn:
    producer = conn.Producer()
    producer.publish('[[2, 3], {}, {}]', exchange='', routing_key=queue, headers=headers,
                     content_type='application/json', content_encoding='utf-8',
                     delivery_mode=2)
)";
}  // namespace

TEST_CASE("headers of a Celery message published by kombu decode into ferry tables",
          "[amqp][celery][interop]") {
  const url u = url::parse(ferry::test::shared_amqp_url());
  const std::string q = ferry::test::unique_name("ferry_kombu_");
  {
    connection c(u);
    declare_queue(c, durable_queue(q));
  }
  ferry::test::run_command(
      {"/usr/bin/python3", "-c", publish_script, ferry::test::shared_amqp_url(), q});

  consumer_options o;
  o.queue = q;
  o.retry.enabled = false;
  collector got;
  {
    background_consumer bc(u, o, [&](const delivery& d) {
      got.add(d);
      return outcome::ack;
    });
    REQUIRE(got.wait_for(1));
  }
  const delivery d = got.snapshot().at(0);
  const table& h = d.msg.props.headers;
  CHECK(d.msg.body == "[[2, 3], {}, {}]");
  CHECK(d.msg.props.persistent);
  CHECK(d.msg.props.content_type == std::string("application/json"));
  CHECK(h.get_string("task") == std::string("proj.tasks.add"));
  CHECK(h.get_string("id") == std::string("abc-123"));
  CHECK(h.find("parent_id")->is_void());
  CHECK(h.get_int("retries") == 0);
  CHECK(h.get_int("big") == (std::int64_t{1} << 40));
  CHECK(h.find("ratio")->as_double() == 0.5);
  CHECK(h.find("ignore_result")->as_bool() == false);
  const array* limit = h.find("timelimit")->as_array();
  REQUIRE(limit);
  REQUIRE(limit->size() == 2);
  CHECK((*limit)[0].is_void());
  const table* stamps = h.find("stamps")->as_table();
  REQUIRE(stamps);
  const array* deep = stamps->find("nested")->as_table()->find("deep")->as_array();
  REQUIRE(deep);
  REQUIRE(deep->size() == 4);
  CHECK((*deep)[0].as_int() == 1);
  CHECK(*(*deep)[1].as_string() == "two");
  CHECK((*deep)[2].is_void());
  CHECK((*deep)[3].as_bool() == true);
  cleanup(u, q);
}
