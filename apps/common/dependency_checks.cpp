#include "common/dependency_checks.hpp"

#include <chrono>

#include <ferry/amqp/connection.hpp>
#include <ferry/sql/session.hpp>

namespace ferry::apps {

service::readiness_check redis_check(redis::client* client) {
  service::readiness_check c{"redis", {}};
  if (client) c.test = [client] { (void)client->ping(); };
  return c;
}

service::readiness_check amqp_check(const std::optional<amqp::url>& url) {
  service::readiness_check c{"rabbitmq", {}};
  if (url) {
    c.test = [u = *url] {
      amqp::connection conn{u};
      conn.close();
    };
  }
  return c;
}

service::readiness_check database_check(const std::optional<sql::database_url>& url) {
  service::readiness_check c{"database", {}};
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
