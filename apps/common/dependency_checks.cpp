#include "common/dependency_checks.hpp"

#include <chrono>

#include <ferry/amqp/connection.hpp>
#include <ferry/sql/session.hpp>

namespace ferry::apps {

dependency_check redis_check(redis::client* client) {
  dependency_check c{"redis", {}};
  if (client) c.test = [client] { (void)client->ping(); };
  return c;
}

dependency_check amqp_check(const std::optional<amqp::url>& url) {
  dependency_check c{"rabbitmq", {}};
  if (url) {
    c.test = [u = *url] {
      amqp::connection conn{u};
      conn.close();
    };
  }
  return c;
}

dependency_check database_check(const std::optional<sql::database_url>& url) {
  dependency_check c{"database", {}};
  if (url) {
    c.test = [u = *url] {
      sql::session_options o;
      o.connect_timeout = std::chrono::seconds(2);
      sql::session s{u, o};
      (void)s.query_value<int>("SELECT 1");
    };
  }
  return c;
}

}  // namespace ferry::apps
