#include <catch2/catch.hpp>

#include <string>

#include "ferry/celery/amqp/plugin.hpp"
#include "ferry/celery/redis/plugin.hpp"
#include "ferry/celery/registry.hpp"
#include "ferry/core/error.hpp"
#include "url_marker.hpp"

TEST_CASE("celery open_broker: no piece of a password shows in its errors", "[celery][url]") {
  ferry::celery::amqp::register_plugin();
  ferry::celery::redis::register_plugin();
  const std::string m(ferry_test::marker_in_url);
  // Each is refused before any connection is tried.
  for (const std::string& url :
       {"amqp://guest:" + m + "@h:notaport/", "pyamqp://guest:" + m + "@h:notaport/",
        "redis://:" + m + "@h:P/0", "ftp://u:" + m + "@h", "amqp:guest:" + m + "@h",
        "guest:" + m + "@h"}) {
    INFO(url);
    try {
      (void)ferry::celery::open_broker(url);
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::config);
      ferry_test::check_no_marker(e.what());
    }
  }
}
