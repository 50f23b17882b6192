#include "ferry/amqp/dlq_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp {
namespace {

using time_point = dead_letter_record::time_point;

std::optional<time_point> as_time_point(std::optional<std::chrono::sys_seconds> t) {
  if (!t) return std::nullopt;
  return time_point{*t};
}

}  // namespace

dead_letter_record to_record(std::string_view queue, dead_message m, std::string_view source) {
  dead_letter_record r;
  r.source = std::string(source);
  r.queue = std::string(queue);
  r.id = std::move(m.id);
  r.payload = std::move(m.msg.body);
  r.error = m.error.value_or("");
  r.attempts = m.attempts;
  r.first_failure = as_time_point(m.first_failure);
  r.last_failure = as_time_point(m.last_failure);
  r.dead_at = r.last_failure;
  if (m.msg.props.timestamp) {
    r.details.emplace_back("published_at",
                           std::to_string(m.msg.props.timestamp->time_since_epoch().count()));
  }
  if (m.msg.props.content_type) r.details.emplace_back("content_type", *m.msg.props.content_type);
  r.details.emplace_back("redelivered", m.redelivered ? "true" : "false");
  return r;
}

dlq_store::dlq_store(dlq_store_options options) : opts_(std::move(options)) {
  if (opts_.max_scan == 0) throw std::invalid_argument("amqp::dlq_store: max_scan is 0");
  for (const auto& q : opts_.queues) {
    if (q.empty()) throw std::invalid_argument("amqp::dlq_store: empty queue name");
  }
  std::sort(opts_.queues.begin(), opts_.queues.end());
  opts_.queues.erase(std::unique(opts_.queues.begin(), opts_.queues.end()), opts_.queues.end());
}

void dlq_store::check_id(std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 255 &&
                  std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!ok) throw std::invalid_argument("message id must be 1-255 printable ASCII characters");
}

bool dlq_store::serves(std::string_view queue) {
  return std::binary_search(opts_.queues.begin(), opts_.queues.end(), queue);
}

dead_letter_queue dlq_store::open(std::string_view queue) {
  if (!serves(queue)) {
    throw error(errc::not_found, "no RabbitMQ dead-letter queue for '" + std::string(queue) + "'");
  }
  return dead_letter_queue{
      opts_.broker, std::string(queue), {.max_scan = opts_.max_scan, .publisher = opts_.publisher}};
}

std::vector<dead_letter_queue_info> dlq_store::queues() {
  std::vector<dead_letter_queue_info> out;
  if (opts_.queues.empty()) return out;
  connection conn{opts_.broker};  // one connection for every depth
  for (const auto& q : opts_.queues) {
    const auto depth = inspect_queue(conn, q + ".dlq");
    out.push_back({.source = opts_.source,
                   .queue = q,
                   .count = depth ? static_cast<std::int64_t>(depth->message_count) : 0,
                   .exists = depth.has_value()});
  }
  return out;
}

std::int64_t dlq_store::count(std::string_view queue) {
  const auto depth = open(queue).depth();
  return depth ? static_cast<std::int64_t>(*depth) : 0;
}

std::vector<dead_letter_record> dlq_store::page(std::string_view queue, std::size_t offset,
                                                std::size_t limit) {
  auto dlq = open(queue);
  const auto depth = dlq.depth();  // a DLQ not there yet holds nothing (basic.get would 404)
  std::vector<dead_letter_record> out;
  if (!depth || *depth == 0) return out;
  for (auto& m : dlq.peek(offset, limit))
    out.push_back(to_record(queue, std::move(m), opts_.source));
  return out;
}

std::optional<dead_letter_record> dlq_store::find(std::string_view queue, std::string_view id) {
  check_id(id);
  auto dlq = open(queue);
  if (!dlq.depth()) return std::nullopt;
  auto m = dlq.find(id);
  if (!m) return std::nullopt;
  return to_record(queue, std::move(*m), opts_.source);
}

bool dlq_store::requeue(std::string_view queue, std::string_view id) {
  check_id(id);
  auto dlq = open(queue);
  return dlq.depth().has_value() && dlq.requeue(id);
}

std::size_t dlq_store::requeue_all(std::string_view queue) {
  auto dlq = open(queue);
  return dlq.depth().has_value() ? dlq.requeue_all() : 0;
}

bool dlq_store::remove(std::string_view queue, std::string_view id) {
  check_id(id);
  auto dlq = open(queue);
  return dlq.depth().has_value() && dlq.remove(id);
}

std::size_t dlq_store::purge(std::string_view queue) {
  return open(queue).purge();
}

std::size_t dlq_store::trim(std::string_view queue, std::chrono::seconds max_age) {
  auto dlq = open(queue);
  if (!dlq.depth()) return 0;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return dlq.remove_failed_before(now - max_age);
}

}  // namespace ferry::amqp
