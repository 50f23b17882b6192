// ferry/service/dead_letter_admin.hpp — one admin API and one CLI command over every dead-letter
// store of a deployment: the Redis job queues, the AMQP consumers' `<queue>.dlq`, Celery on
// Redis and Celery on RabbitMQ, each a ferry::dead_letter_store in a ferry::dead_letter_catalog.
//
//   auto dlqs = std::make_shared<ferry::dead_letter_catalog>();
//   dlqs->add(std::make_shared<ferry::queue::dlq_store>(redis, queue_options));
//   dlqs->add(std::make_shared<ferry::amqp::dlq_store>(amqp_options));
//   add_dead_letter_routes(router, dlqs, {.observer = obs});
//   // or, from a CLI: run_dead_letter_command(*dlqs, {.verb = dead_letter_verb::list}, std::cout);
//
// The routes (under `prefix`, "/admin/dlq" by default; all need the bearer token):
//   GET    {prefix}/stats                     every queue of every store, with counts
//   GET    {prefix}/<queue>?offset=&limit=    one page of letters
//   POST   {prefix}/<queue>/requeue/<id>      one letter back to its work queue
//   POST   {prefix}/<queue>/requeue-all       every letter back
//   DELETE {prefix}/<queue>/<id>              delete one letter
//   DELETE {prefix}/<queue>                   delete every letter (purge)
// Each takes `?source=redis|amqp|celery-redis|celery-amqp`, needed only when two stores serve
// a queue of the same name. The answers are the JSON of dead_letter_queues_json() and
// dead_letter_page_json(), or {"queue","source","id","requeued"|"deleted": n}; errors are
// {"error": "..."} (400 malformed name, id, offset or limit; 404 unknown queue or letter; 503
// a store's server cannot be reached).
//
// The rule a reader would get wrong: a queue name is checked here (1–200 of [A-Za-z0-9_.:-])
// before any store sees it, but an id is checked by the store that holds the queue (a Redis
// job id is 32 hex digits, an AMQP id a message id), so the same id may be valid in one source
// and a 400 in another. Payloads are bytes: invalid UTF-8 shows as U+FFFD in the JSON, the
// letter itself is untouched.
//
// Thread safety: the routes may be called from any thread (the stores are thread-safe);
// run_dead_letter_command is a function of its arguments.
// Errors: the routes answer errors as above; run_dead_letter_command lets std::invalid_argument
// and ferry::error through for the caller to map to an exit code.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/dead_letter.hpp"
#include "ferry/core/dead_letter_catalog.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"
#include "ferry/service/time_text.hpp"

namespace ferry::service {

struct dead_letter_admin_options {
  std::string prefix = "/admin/dlq";
  std::size_t default_limit = 50;  ///< a page's size when the request names none
  std::size_t max_limit = 500;     ///< the largest page served
  /// Bytes a request body may have; none is read, a client may send a small one (0: none).
  std::size_t max_body = 0;
  ferry::observer observer{};  ///< told of 5xx answers (component "service.dead_letters")
};

/// Adds the routes of the file comment to `router`; they keep `catalog` alive.
FERRY_API void add_dead_letter_routes(http_router& router,
                                      std::shared_ptr<const dead_letter_catalog> catalog,
                                      const dead_letter_admin_options& options = {});

/// std::invalid_argument unless `name` is 1–200 of [A-Za-z0-9_.:-].
FERRY_API void check_dead_letter_queue_name(std::string_view name);

/// One page of a queue's letters, as the API and the CLI show it.
struct dead_letter_page {
  std::string source;
  std::string queue;
  std::int64_t total = 0;  ///< letters the queue holds
  std::size_t offset = 0;
  std::size_t limit = 0;
  std::vector<dead_letter_record> letters;
};

/// Reads one page: the store serving (source, queue), its total, `limit` letters from `offset`.
[[nodiscard]] FERRY_API dead_letter_page read_dead_letter_page(const dead_letter_catalog& catalog,
                                                               std::optional<std::string> source,
                                                               std::string_view queue,
                                                               std::size_t offset,
                                                               std::size_t limit);

/// {"queues":[{"source","queue","dead","exists", <counts>...}],"total_dead":N}, one line.
[[nodiscard]] FERRY_API std::string dead_letter_queues_json(
    const std::vector<dead_letter_queue_info>& queues);
/// {"source","queue","total","offset","limit","messages":[{"id","payload","error","attempts",
/// "max_attempts","first_failure","last_failure","dead_at","details":{...}}]}, one line; times
/// are ISO 8601 UTC with milliseconds, or null when unknown.
[[nodiscard]] FERRY_API std::string dead_letter_page_json(const dead_letter_page& page);

enum class dead_letter_verb {
  list,     ///< every queue with its count, or (with `queue`) one page of its letters
  requeue,  ///< one letter (`id`) or, with `all`, every letter of `queue`
  remove,   ///< delete one letter (`id`)
  purge,    ///< delete every letter of `queue`
};

/// One `dlq` command line, as an app's CLI parsed it.
struct dead_letter_command {
  dead_letter_verb verb = dead_letter_verb::list;
  std::optional<std::string> source{};
  std::string queue{};
  std::string id{};
  bool all = false;
  std::size_t offset = 0;
  std::size_t limit = 50;
  bool json = false;  ///< print the API's JSON instead of the table
};

/// Runs `command` on `catalog`, printing to `out`. Returns 0, or 1 when the letter was not
/// there; throws std::invalid_argument for a malformed command (exit 2 in ferry's apps).
FERRY_API int run_dead_letter_command(const dead_letter_catalog& catalog,
                                      const dead_letter_command& command, std::ostream& out);

}  // namespace ferry::service
