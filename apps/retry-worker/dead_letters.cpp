#include "dead_letters.hpp"

#include <string_view>

#include <ferry/amqp/dlq_store.hpp>
#include <ferry/amqp/url.hpp>
#include <ferry/celery/redis/dlq_store.hpp>
#include <ferry/core/error.hpp>
#include <ferry/queue/dlq_store.hpp>

namespace ferry::apps::retry {
namespace {

bool starts_with_any(std::string_view url, std::initializer_list<std::string_view> schemes) {
  for (const auto s : schemes) {
    if (url.substr(0, s.size()) == s) return true;
  }
  return false;
}

std::shared_ptr<dead_letter_store> celery_store(const std::string& url,
                                                const std::vector<std::string>& queues) {
  if (starts_with_any(url, {"redis://", "rediss://", "unix://"})) {
    return std::make_shared<celery::redis::dlq_store>(
        std::make_shared<redis::client>(url), celery::redis::dlq_store_options{.queues = queues});
  }
  if (starts_with_any(url, {"amqp://", "amqps://"})) {
    return std::make_shared<amqp::dlq_store>(amqp::dlq_store_options{
        .broker = amqp::url::parse(url), .source = "celery-amqp", .queues = queues});
  }
  throw error(errc::config,
              "a Celery broker URL starts with redis://, rediss://, unix://, amqp:// or amqps://");
}

}  // namespace

std::shared_ptr<dead_letter_catalog> open_dead_letters(const config& cfg, redis::client& redis) {
  auto catalog = std::make_shared<dead_letter_catalog>();
  catalog->add(std::make_shared<queue::dlq_store>(
      redis, queue::dlq_store_options{.queues = cfg.queues, .queue = cfg.queue}));
  if (cfg.amqp_url && !cfg.amqp_queues.empty()) {
    catalog->add(std::make_shared<amqp::dlq_store>(amqp::dlq_store_options{
        .broker = amqp::url::parse(*cfg.amqp_url), .queues = cfg.amqp_queues}));
  }
  for (const auto& url : cfg.celery_brokers) catalog->add(celery_store(url, cfg.celery_queues));
  return catalog;
}

}  // namespace ferry::apps::retry
