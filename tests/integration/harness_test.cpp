// The harness is what every integration test trusts, so it is tested like product code:
// servers answer when constructed, die on kill(), come back on the same port, and go away.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "ferry_test/servers.hpp"

using ferry::test::port_open;

TEST_CASE("redis_server starts, survives kill -9 + restart on the same port, keeps AOF data",
          "[harness][redis]") {
  ferry::test::redis_server redis({.args = {}, .appendonly = true, .appendfsync = "always"});
  const int port = redis.port();
  CHECK(port_open(port));
  CHECK(redis.cli({"SET", "harness:k", "v"}) == "OK\n");

  redis.kill();
  CHECK_FALSE(port_open(port));

  redis.start();
  CHECK(redis.port() == port);
  CHECK(redis.cli({"GET", "harness:k"}) == "v\n");  // AOF with appendfsync always kept it
  CHECK(redis.url() == "redis://127.0.0.1:" + std::to_string(port) + "/0");
}

TEST_CASE("redis_server with a password and an ACL user", "[harness][redis]") {
  ferry::test::redis_server redis({.args = {"--requirepass", "s3cret", "--user", "alice", "on",
                                            ">alicepw", "~*", "&*", "+@all"}});
  CHECK(redis.cli({"PING"}) == "PONG\n");
  const auto whoami =
      ferry::test::run_command({"redis-cli", "-p", std::to_string(redis.port()), "--user", "alice",
                                "--pass", "alicepw", "--no-auth-warning", "ACL", "WHOAMI"});
  CHECK(whoami == "alice\n");
}

TEST_CASE("redis_server stops and leaves nothing behind", "[harness][redis]") {
  int port = 0;
  std::string dir;
  {
    ferry::test::redis_server redis;
    port = redis.port();
    dir = redis.dir();
    CHECK(port_open(port));
  }
  CHECK_FALSE(port_open(port));
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("rabbitmq_server starts, is killed, restarts on the same port, and stops",
          "[harness][rabbitmq]") {
  ferry::test::rabbitmq_server rabbit({.tls = true});
  const int port = rabbit.port();
  CHECK(port_open(port));
  CHECK(port_open(rabbit.tls_port()));
  CHECK(rabbit.ctl({"list_queues"}).find("Listing queues") != std::string::npos);
  CHECK(rabbit.url() == "amqp://guest:guest@127.0.0.1:" + std::to_string(port) + "/%2F");

  rabbit.kill();
  CHECK_FALSE(port_open(port));
  rabbit.start();
  CHECK(port_open(port));

  rabbit.stop();
  CHECK_FALSE(port_open(port));
}

TEST_CASE("unique_name never repeats within a run", "[harness]") {
  const auto a = ferry::test::unique_name("q");
  const auto b = ferry::test::unique_name("q");
  CHECK(a != b);
  CHECK(a.rfind("q-", 0) == 0);
}

TEST_CASE("child_process reads stdin from a file and reports its exit code", "[harness]") {
  const ferry::test::temp_dir dir;
  const auto input = dir.path() + "/in";
  { std::ofstream(input) << "7\n"; }
  ferry::test::child_process p({"sh", "-c", "read code; exit $code"},
                               {.env = {}, .log_file = "", .detached = false, .stdin_file = input});
  REQUIRE(p.wait_for_exit(std::chrono::seconds(10)));
  CHECK(p.exit_code() == 7);

  ferry::test::child_process killed({"sleep", "30"}, {});
  CHECK_FALSE(killed.exit_code().has_value());
  killed.signal_group(SIGKILL);
  REQUIRE(killed.wait_for_exit(std::chrono::seconds(10)));
  CHECK(killed.exit_code() == 128 + SIGKILL);
}
