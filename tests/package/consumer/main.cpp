// Uses each installed component a little, with no server: the point is that headers, link
// lines and transitive dependencies of the installed package are complete.
#include <ferry/ferry.hpp>

#include <iostream>

int main() {
  const ferry::error e(ferry::errc::timeout, "consumer check");
  if (!e.is_transient()) return 1;
  // The installed headers and the library the program runs with are the same version.
  if (ferry::version().number != FERRY_VERSION || ferry::version().string != FERRY_VERSION_STRING) {
    return 1;
  }
#if __has_include(<ferry/amqp/connection.hpp>)
  // Links rabbitmq-c through ferry::amqp: connecting to a closed port fails cleanly.
  try {
    ferry::amqp::connection c(
        ferry::amqp::url::parse("amqp://127.0.0.1:1/?connection_timeout=500"));
    return 1;
  } catch (const ferry::error& amqp_error) {
    if (amqp_error.kind() != ferry::errc::connection_failed &&
        amqp_error.kind() != ferry::errc::timeout)
      return 1;
  }
#endif
#if __has_include(<ferry/celery/protocol/task_request.hpp>)
  ferry::celery::protocol::task_request request;
  request.task = "tasks.add";
  request.id = ferry::celery::protocol::new_task_id();
  request.args = {2, 3};
  const auto message = ferry::celery::protocol::build_message(request);
  if (ferry::celery::protocol::parse_message(message).args != request.args) return 1;
#if __has_include(<ferry/celery/amqp/message.hpp>)
  // ferry::celery_amqp: a task message as py-amqp would publish it, and back.
  if (ferry::celery::amqp::from_amqp_message(ferry::celery::amqp::to_amqp_message(message))
          .headers != message.headers)
    return 1;
#endif
#endif
#if __has_include(<ferry/mail/parse.hpp>)
  // GMime and gumbo must come along through the package's link interface.
  const auto mail = ferry::mail::parse_message("Subject: hi\r\n\r\nbody\r\n");
  if (mail.subject != "hi" || ferry::mail::sanitize_html("<b onclick=x()>b</b>") != "<b>b</b>") {
    return 1;
  }
#endif
#if __has_include(<ferry/service/admin_http_server.hpp>)
  // cpp-httplib must come along through ferry::service: serve on a free loopback port.
  {
    ferry::service::metrics_registry metrics;
    metrics.add([](ferry::service::metrics_writer& out) { out.gauge("consumer_up", "Up.", 1); });
    ferry::service::http_router routes;
    routes.add("GET", "/metrics", ferry::service::route_access::probe, 0, metrics.handler());
    ferry::service::admin_http_server http{{.listen = "127.0.0.1:0"}, std::move(routes)};
    http.start();
    if (http.port() <= 0 || metrics.scrape() !=
                                "# HELP consumer_up Up.\n# TYPE consumer_up "
                                "gauge\nconsumer_up 1\n")
      return 1;
    http.stop();
  }
#endif
  std::cout << "ferry " << FERRY_VERSION_STRING << ": " << e.what() << "\n";
  // ferry::postfix (always installed): a request parsed, an answer framed.
  ferry::postfix::request_parser parser;
  if (parser.consume("request=smtpd_access_policy\nrecipient=a@b.example\n\n").status !=
          ferry::postfix::parse_status::request_ready ||
      ferry::postfix::action::dunno().line() != "action=DUNNO\n\n") {
    return 1;
  }
#if __has_include(<ferry/redis/url.hpp>)
  const auto options = ferry::redis::parse_url("redis://app:s3cret@127.0.0.1:6380/2");
  const auto shown = ferry::redis::to_string(options);
  if (options.db != 2 || shown.find("s3cret") != std::string::npos) return 1;
  std::cout << "redis: " << shown << "\n";
  // Links hiredis through ferry::redis: connecting to a closed port fails cleanly.
  try {
    ferry::redis::connection c("redis://127.0.0.1:1/?connect_timeout=500ms");
    return 1;
  } catch (const ferry::error& redis_error) {
    if (redis_error.kind() != ferry::errc::connection_failed) return 1;
  }
#endif
  return 0;
}
