// ferry/queue/queue.hpp — a reliable (at-least-once) job queue on Redis with retries and a DLQ.
//
// Use it to hand work from request handlers to background workers when losing a job is not
// acceptable: a worker reserves a job under a lease, and only ack() removes it. A crash at any
// instant — of a worker, of the producer, or of Redis with AOF `appendfsync always` — loses no
// job, because every state change (enqueue, reserve, ack, fail, promote, recover, requeue) is
// ONE Lua script run atomically with the server's clock. A job is processed at least once; it
// may run twice if its worker stalls past its lease, so handlers should be idempotent.
//
//   ferry::redis::client redis{"redis://127.0.0.1:6379/0"};
//   ferry::queue::queue emails{redis, "emails"};
//   emails.enqueue(R"({"to":"a@b.c"})", {.priority = 5});
//   if (auto j = emails.reserve(std::chrono::seconds{5})) {
//     try { send(j->payload); emails.ack(*j); } catch (const std::exception& e) { emails.fail(*j,
//     e.what()); }
//   }
//
// Life of a job: ready -> in flight (reserve) -> gone (ack) | scheduled (fail, backoff from
// the retry policy) -> ready (when due) ... -> dead (attempts exhausted; kept with its error
// metadata until requeued, deleted or trimmed after dlq_retention). A lease that expires
// (worker died) counts as a failed attempt and puts the job back (or in the DLQ).
//
// reserve() does not poll: when nothing is ready it blocks on a notification list (BLPOP)
// that enqueue and every "job became ready" transition push to, bounded by the next due time
// of a delayed job or lease, so delayed jobs and stale leases are handled by waiting workers
// themselves. A separate `scheduler` (scheduler.hpp) covers queues nobody is waiting on and
// trims the DLQ.
//
// The rule a reader would otherwise get wrong: reserve() holds one pooled connection while it
// blocks, so N threads blocked in reserve() need a pool of at least N connections.
//
// Thread safety: thread-safe; share one queue between threads (it uses the client's pool).
// Errors: ferry::error from the client (connection_failed, timeout, pool_exhausted, busy are
// transient: retry later); std::invalid_argument for bad options or arguments.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/queue/job.hpp"
#include "ferry/queue/options.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::queue {

/// A random 128-bit id as 32 lowercase hex characters (unique across processes).
[[nodiscard]] FERRY_API std::string make_job_id();

class FERRY_API queue {
 public:
  /// A handle on queue `name` ([A-Za-z0-9_.:-], no braces). `redis` must outlive the queue.
  queue(redis::client& redis, std::string name, queue_options options = {});
  ~queue();
  queue(const queue&) = delete;
  queue& operator=(const queue&) = delete;

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const queue_options& options() const noexcept;

  // --- producer -------------------------------------------------------------------------------

  /// Adds a job; returns its id, or the pending job's id when `dedup_key` matches one.
  std::string enqueue(std::string_view payload, const enqueue_options& opts = {});
  /// Adds many jobs in one pipelined round trip (one script call each); ids in input order.
  std::vector<std::string> enqueue_many(std::span<const std::string> payloads,
                                        const enqueue_options& opts = {});

  // --- worker ---------------------------------------------------------------------------------

  /// Waits up to `timeout` for a ready job and leases it for `lease` (default options().lease).
  /// nullopt when the timeout passed without a job.
  [[nodiscard]] std::optional<job> reserve(std::chrono::milliseconds timeout,
                                           std::optional<std::chrono::milliseconds> lease = {});
  /// One attempt without waiting.
  [[nodiscard]] std::optional<job> try_reserve(std::optional<std::chrono::milliseconds> lease = {});
  /// Pushes the lease end to now + `lease`; updates j.lease_until. False if the lease was lost.
  bool extend(job& j, std::optional<std::chrono::milliseconds> lease = {});
  /// Done: removes the job. False if the lease was lost (someone else may be running it).
  bool ack(const job& j);
  // --- batch worker path (what queue::worker uses; see worker.hpp) ----------------------------
  //
  // Leasing and acking many jobs per round trip keeps at-least-once: every leased job is
  // removed only by its own ack (token-checked), and a worker that dies holding leased jobs
  // leaves them to stale recovery, like a job taken with reserve().

  /// Like reserve(), but leases up to `max` ready jobs (>= 1) in one script call; waits up to
  /// `timeout` for the first one. Empty when the timeout passed without a job.
  [[nodiscard]] std::vector<job> reserve_many(std::size_t max, std::chrono::milliseconds timeout,
                                              std::optional<std::chrono::milliseconds> lease = {});
  /// One attempt of reserve_many without waiting.
  [[nodiscard]] std::vector<job> try_reserve_many(
      std::size_t max, std::optional<std::chrono::milliseconds> lease = {});
  /// Acks every job of `done` in one round trip; returns how many were still ours (the
  /// others' leases were lost, as with ack() returning false).
  std::size_t ack_many(std::span<const job> done);
  /// Acks `done`, then leases up to `max` ready jobs (0 = none), all in ONE script call: the
  /// worker's round trip. Does not wait.
  [[nodiscard]] batch_result ack_and_reserve(std::span<const job> done, std::size_t max,
                                             std::optional<std::chrono::milliseconds> lease = {});

  /// Failed: schedules the next attempt after the retry policy's backoff, or moves the job to
  /// the DLQ with `error` when its attempts are exhausted.
  fail_result fail(const job& j, std::string_view error);
  /// Failed for good (e.g. undecodable payload): straight to the DLQ.
  fail_result fail_permanently(const job& j, std::string_view error);

  // --- scheduler side (also done opportunistically by reserve) --------------------------------

  /// Moves delayed/retry jobs that are due to ready; returns how many.
  std::size_t promote_due();
  /// Puts jobs whose lease expired back to ready (or to the DLQ if that was their last
  /// attempt); returns how many.
  std::size_t recover_stale();
  /// Deletes dead letters older than options().dlq_retention; returns how many.
  std::size_t trim_dead();
  /// The earliest instant something becomes due (a scheduled job or a lease end), by the
  /// server's clock; nullopt when nothing is scheduled or in flight.
  [[nodiscard]] std::optional<clock::time_point> next_due();
  /// How long until next_due(), measured entirely on the server's clock (so a skewed local
  /// clock cannot make a scheduler sleep too long); 0 when already due, nullopt when nothing
  /// is scheduled or in flight. One round trip.
  [[nodiscard]] std::optional<std::chrono::milliseconds> until_next_due();
  /// The Redis LIST that gets a push whenever a job is scheduled for later (delayed enqueue,
  /// retry after fail). A scheduler BLPOPs it to wake before its planned time; workers never
  /// read it. Capped at a few entries, so it stays tiny when no scheduler runs.
  [[nodiscard]] const std::string& wake_key() const noexcept;
  /// The client the queue was made with.
  [[nodiscard]] redis::client& client() const noexcept;

  // --- dead letters ---------------------------------------------------------------------------

  [[nodiscard]] std::int64_t dead_count();
  /// Newest first; `offset` and `limit` page through the DLQ.
  [[nodiscard]] std::vector<dead_letter> list_dead(std::size_t offset = 0, std::size_t limit = 50);
  /// One dead letter; nullopt if not in the DLQ.
  [[nodiscard]] std::optional<dead_letter> find_dead(std::string_view id);
  /// Moves one dead letter back to ready with its attempts reset; false if not in the DLQ.
  bool requeue_dead(std::string_view id);
  /// Requeues every dead letter; returns how many.
  std::size_t requeue_all_dead();
  /// Deletes one dead letter; false if not in the DLQ.
  bool delete_dead(std::string_view id);
  /// Deletes every dead letter; returns how many.
  std::size_t purge_dead();

  // --- observation ----------------------------------------------------------------------------

  [[nodiscard]] queue_stats stats();
  /// Deletes every key of this queue (jobs, DLQ, counters). For tests and decommissioning.
  void destroy();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Names of queues ever used with key prefix `key_prefix` (recorded on first enqueue).
[[nodiscard]] FERRY_API std::vector<std::string> known_queues(
    redis::client& redis, std::string_view key_prefix = "ferry:queue");
/// Whether `name` is one of known_queues(), in one O(1) command instead of reading them all.
[[nodiscard]] FERRY_API bool is_known_queue(redis::client& redis, std::string_view name,
                                            std::string_view key_prefix = "ferry:queue");
/// DLQ size of each known queue, for an admin "dlq stats" endpoint.
[[nodiscard]] FERRY_API std::map<std::string, std::int64_t> dead_counts(
    redis::client& redis, std::string_view key_prefix = "ferry:queue");

}  // namespace ferry::queue
