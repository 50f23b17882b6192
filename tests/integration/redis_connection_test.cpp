#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "ferry/redis/connection.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"
#include "redis_test_util.hpp"

using namespace std::chrono_literals;
using ferry::errc;
using ferry::redis::connection;
using ferry::redis::parse_url;
using ferry_redis_test::elapsed_since;
using ferry_redis_test::thrown_by;

TEST_CASE("redis connection: binary-safe values and nil", "[redis][connection]") {
  connection conn{ferry::test::shared_redis_url()};
  auto key = ferry::test::unique_name("ferry:bin");
  const std::string value("a\0b\r\n$3\0\xff", 10);
  CHECK(conn.command({"SET", key, value}).as_string() == "OK");
  auto got = conn.command({"GET", key}).as_optional_string();
  REQUIRE(got);
  CHECK(*got == value);
  CHECK(conn.command({"STRLEN", key}).as_integer() == 10);
  CHECK(conn.command({"DEL", key}).as_integer() == 1);
  CHECK_FALSE(conn.command({"GET", key}).as_optional_string());
  CHECK(conn.command({"GET", key}).is_nil());

  // A vector of std::string works as well as the initializer_list form.
  std::vector<std::string> args{"SET", key, std::string(100000, 'x')};
  conn.command(args);
  CHECK(conn.command({"GET", key}).as_string().size() == 100000);
  conn.command({"DEL", key});
}

TEST_CASE("redis connection: error replies throw server_error with the server text",
          "[redis][connection]") {
  connection conn{ferry::test::shared_redis_url()};
  auto key = ferry::test::unique_name("ferry:wrongtype");
  conn.command({"LPUSH", key, "x"});
  auto e = thrown_by([&] { conn.command({"INCR", key}); });
  CHECK(e.kind() == errc::server_error);
  CHECK_THAT(std::string(e.what()), Catch::StartsWith("WRONGTYPE"));
  CHECK_FALSE(conn.is_broken());  // an error reply is not an I/O failure
  CHECK(conn.command({"DEL", key}).as_integer() == 1);
}

TEST_CASE("redis connection: SELECT isolates databases", "[redis][connection]") {
  auto url = ferry::test::shared_redis_url();
  auto o1 = parse_url(url);
  o1.db = 1;
  auto o2 = parse_url(url);
  o2.db = 2;
  connection db1{o1};
  connection db2{o2};
  auto key = ferry::test::unique_name("ferry:db");
  db1.command({"SET", key, "one"});
  CHECK_FALSE(db2.command({"GET", key}).as_optional_string());
  CHECK(db1.command({"GET", key}).as_string() == "one");
  db1.command({"DEL", key});
}

TEST_CASE("redis connection: client name is set", "[redis][connection]") {
  auto o = parse_url(ferry::test::shared_redis_url());
  o.client_name = ferry::test::unique_name("ferry-test");
  connection conn{o};
  CHECK(conn.command({"CLIENT", "GETNAME"}).as_string() == *o.client_name);
}

TEST_CASE("redis pipeline: replies in order, errors as values", "[redis][pipeline]") {
  connection conn{ferry::test::shared_redis_url()};
  auto key = ferry::test::unique_name("ferry:pipe");
  ferry::redis::pipeline p;
  for (int i = 0; i < 100; ++i) p.add({"RPUSH", key, std::to_string(i)});
  p.add({"INCR", key});  // WRONGTYPE: must not hide the replies around it
  p.add({"LRANGE", key, "0", "2"});
  p.add({"DEL", key});
  auto r = p.exec(conn);
  REQUIRE(r.size() == 103);
  for (int i = 0; i < 100; ++i) CHECK(r[static_cast<std::size_t>(i)].as_integer() == i + 1);
  CHECK(r[100].is_error_code("WRONGTYPE"));
  REQUIRE(r[101].elements().size() == 3);
  CHECK(r[101].elements()[2].as_string() == "2");
  CHECK(r[102].as_integer() == 1);
  CHECK(conn.pending_replies() == 0);

  // The raw append/read interface, for callers that interleave their own work.
  conn.append({"SET", key, "v"});
  conn.append({"GET", key});
  conn.append({"DEL", key});
  CHECK(conn.pending_replies() == 3);
  conn.flush();
  CHECK(conn.read_reply().as_string() == "OK");
  CHECK(conn.read_reply().as_string() == "v");
  CHECK(conn.read_reply().as_integer() == 1);
  CHECK(conn.pending_replies() == 0);
}

TEST_CASE("redis connection: ACL user login and wrong password", "[redis][auth]") {
  connection admin{ferry::test::shared_redis_url()};
  auto user = ferry::test::unique_name("alice");
  const std::string password = "pw-Correct-Horse";
  admin.command({"ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all"});

  auto o = parse_url(ferry::test::shared_redis_url());
  o.user = user;
  o.password = password;
  {
    connection conn{o};
    CHECK(conn.command({"ACL", "WHOAMI"}).as_string() == user);
  }
  o.password = "Wrong-Battery-Staple";
  auto e = thrown_by([&] { connection c{o}; });
  CHECK(e.kind() == errc::auth_failed);
  CHECK_THAT(std::string(e.what()), Catch::Contains("WRONGPASS"));
  CHECK_THAT(std::string(e.what()), Catch::Contains(user));
  CHECK_THAT(std::string(e.what()), !Catch::Contains("Wrong-Battery-Staple"));
  CHECK_THAT(std::string(e.what()), !Catch::Contains(password));

  // The same through a URL with a percent-encoded password.
  auto url_user = parse_url(ferry::test::shared_redis_url());
  auto url = "redis://" + user + ":pw-Correct-Horse@127.0.0.1:" + std::to_string(url_user.port);
  connection by_url{url};
  CHECK(by_url.command({"ACL", "WHOAMI"}).as_string() == user);
  admin.command({"ACL", "DELUSER", user});
}

TEST_CASE("redis connection: password-only auth and unix socket", "[redis][auth]") {
  ferry::test::redis_server server({.args = {"--requirepass", "s3cr3t-pw"}});
  auto o = parse_url(server.url());

  auto no_auth = thrown_by([&] {
    connection c{o};
    c.command({"PING"});
  });
  CHECK(no_auth.kind() == errc::auth_failed);  // NOAUTH

  o.password = "not-it";
  auto wrong = thrown_by([&] { connection c{o}; });
  CHECK(wrong.kind() == errc::auth_failed);
  CHECK_THAT(std::string(wrong.what()), !Catch::Contains("not-it"));

  o.password = "s3cr3t-pw";
  connection ok{o};
  CHECK(ok.command({"PING"}).as_string() == "PONG");

  connection unix_conn{"unix://:s3cr3t-pw@" + server.unix_socket() + "?db=3"};
  auto key = ferry::test::unique_name("ferry:unix");
  unix_conn.command({"SET", key, "u"});
  o.db = 3;
  connection tcp3{o};
  CHECK(tcp3.command({"GET", key}).as_string() == "u");
}

TEST_CASE("redis connection: command timeout breaks the connection", "[redis][timeout]") {
  ferry::test::redis_server server;
  auto o = parse_url(server.url());
  o.command_timeout = 300ms;
  connection conn{o};
  connection sleeper{server.url()};
  std::thread t([&] { sleeper.command({"DEBUG", "SLEEP", "1.5"}, 5000ms); });
  std::this_thread::sleep_for(100ms);
  auto start = std::chrono::steady_clock::now();
  auto e = thrown_by([&] { conn.command({"GET", "k"}); });
  auto took = elapsed_since(start);
  t.join();
  CHECK(e.kind() == errc::timeout);
  CHECK(e.is_transient());
  CHECK(took >= 250ms);
  CHECK(took < 1000ms);
  CHECK(conn.is_broken());
  // Never silently reused: the late reply to GET must not answer the next command.
  CHECK(thrown_by([&] { conn.command({"PING"}); }).kind() == errc::connection_failed);
}

TEST_CASE("redis connection: blocking command with its own timeout", "[redis][timeout]") {
  auto o = parse_url(ferry::test::shared_redis_url());
  o.command_timeout = 200ms;
  connection conn{o};
  auto key = ferry::test::unique_name("ferry:blpop");
  auto r = conn.command({"BLPOP", key, "0.5"}, 2000ms);  // longer than command_timeout
  CHECK(r.is_nil());
  CHECK_FALSE(conn.is_broken());
  CHECK(conn.command({"PING"}).as_string() == "PONG");
}

TEST_CASE("redis connection: connect failures", "[redis][connection]") {
  int port = 0;
  {
    ferry::test::redis_server gone;
    port = gone.port();
  }
  auto e = thrown_by([&] { connection c{"redis://127.0.0.1:" + std::to_string(port)}; });
  CHECK(e.kind() == errc::connection_failed);
  CHECK_THAT(std::string(e.what()), Catch::Contains(std::to_string(port)));
}

TEST_CASE("redis connection: server kill is connection_failed", "[redis][connection]") {
  ferry::test::redis_server server;
  connection conn{server.url()};
  CHECK(conn.command({"PING"}).as_string() == "PONG");
  server.kill();
  auto e = thrown_by([&] { conn.command({"PING"}); });
  CHECK(e.kind() == errc::connection_failed);
  CHECK(conn.is_broken());
}

TEST_CASE("redis connection: pub/sub with a read timeout", "[redis][pubsub]") {
  connection sub{ferry::test::shared_redis_url()};
  connection pub{ferry::test::shared_redis_url()};
  auto channel = ferry::test::unique_name("ferry:chan");
  sub.subscribe({channel});
  sub.psubscribe({channel + ":*"});

  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(sub.read_message(100ms));
  CHECK(elapsed_since(start) >= 90ms);
  CHECK_FALSE(sub.is_broken());  // a read timeout does not break a subscriber

  CHECK(pub.command({"PUBLISH", channel, std::string("hi\0there", 8)}).as_integer() == 1);
  auto m = sub.read_message(2000ms);
  REQUIRE(m);
  CHECK(m->channel == channel);
  CHECK(m->payload.as_string() == std::string("hi\0there", 8));
  CHECK_FALSE(m->pattern);

  pub.command({"PUBLISH", channel + ":x", "p"});
  auto pm = sub.read_message(2000ms);
  REQUIRE(pm);
  CHECK(pm->channel == channel + ":x");
  CHECK(pm->pattern == channel + ":*");
  CHECK(pm->payload.as_string() == "p");
}

TEST_CASE("redis connection: CLIENT TRACKING invalidations arrive on a subscriber",
          "[redis][pubsub]") {
  // The near cache's building block: a tracking connection redirects invalidations (RESP2)
  // to a subscriber of __redis__:invalidate; the payload is an array of keys.
  connection sub{ferry::test::shared_redis_url()};
  connection reader{ferry::test::shared_redis_url()};
  connection writer{ferry::test::shared_redis_url()};
  auto key = ferry::test::unique_name("ferry:tracked");
  auto sub_id = std::to_string(sub.command({"CLIENT", "ID"}).as_integer());
  sub.subscribe({"__redis__:invalidate"});
  reader.command({"CLIENT", "TRACKING", "on", "REDIRECT", sub_id});
  writer.command({"SET", key, "1"});
  CHECK(reader.command({"GET", key}).as_string() == "1");  // now tracked
  writer.command({"SET", key, "2"});
  auto m = sub.read_message(2000ms);
  REQUIRE(m);
  CHECK(m->channel == "__redis__:invalidate");
  REQUIRE(m->payload.is_array());
  REQUIRE(m->payload.elements().size() == 1);
  CHECK(m->payload.elements()[0].as_string() == key);
  writer.command({"DEL", key});
}
