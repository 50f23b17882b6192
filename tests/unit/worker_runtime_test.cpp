// worker_runtime over an in-memory delivery_source: every delivery runs once and is settled
// once with its handler's verdict, exceptions become outcomes, a failing round trip loses no
// settlement, stop() finishes what is held, concurrency and prefetch bound what is held, and
// ack_on_start settles as the handler starts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/core/worker_runtime.hpp"

using namespace std::chrono_literals;

namespace {

// Hands out "0".."n-1" and records each settlement; can fail its next round trips.
class memory_source final : public ferry::delivery_source {
 public:
  explicit memory_source(int n) {
    for (int i = 0; i < n; ++i) pending_.push_back(std::to_string(i));
  }

  std::vector<ferry::delivery> exchange(std::vector<ferry::settlement>& done, std::size_t want,
                                        std::chrono::milliseconds wait) override {
    std::unique_lock lock{mutex_};
    if (fail_next_ > 0) {
      --fail_next_;
      throw ferry::error(ferry::errc::connection_failed, "round trip failed");
    }
    for (auto& s : done) {
      settled_[s.what.id].push_back(s.verdict.what());
      reasons_[s.what.id] = s.verdict.reason();
      --held_;
    }
    done.clear();
    if (want > 0 && pending_.empty()) cv_.wait_for(lock, wait, [&] { return !pending_.empty(); });
    std::vector<ferry::delivery> out;
    while (out.size() < want && !pending_.empty()) {
      ferry::delivery d;
      d.payload = pending_.front();
      d.id = d.payload;
      pending_.pop_front();
      out.push_back(std::move(d));
    }
    held_ += static_cast<int>(out.size());
    max_held_ = std::max(max_held_, held_);
    return out;
  }

  void fail_next(int n) {
    std::lock_guard lock{mutex_};
    fail_next_ = n;
  }
  // Waits until `n` deliveries were settled.
  bool wait_settled(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock{mutex_};
        std::size_t total = 0;
        for (const auto& [k, v] : settled_) total += v.size();
        if (total >= n) return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  std::map<std::string, std::vector<ferry::outcome::kind>> settled() {
    std::lock_guard lock{mutex_};
    return settled_;
  }
  std::string reason(const std::string& payload) {
    std::lock_guard lock{mutex_};
    return reasons_[payload];
  }
  int max_held() {
    std::lock_guard lock{mutex_};
    return max_held_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> pending_;
  std::map<std::string, std::vector<ferry::outcome::kind>> settled_;
  std::map<std::string, std::string> reasons_;
  int fail_next_ = 0;
  int held_ = 0;
  int max_held_ = 0;
};

using kind = ferry::outcome::kind;

}  // namespace

TEST_CASE("worker_runtime: each delivery runs once and is settled with its verdict", "[runtime]") {
  memory_source src{200};
  std::atomic<int> runs{0};
  ferry::worker_runtime w{src,
                          [&](const ferry::delivery& d) {
                            ++runs;
                            const int n = std::stoi(d.payload);
                            if (n % 10 == 1) return ferry::outcome::retry("later");
                            if (n % 10 == 2) return ferry::outcome::dead_letter("bad");
                            if (n % 10 == 3) throw ferry::permanent_failure("poison");
                            if (n % 10 == 4) throw ferry::error(ferry::errc::timeout, "slow");
                            if (n % 10 == 5) throw std::runtime_error("bug");
                            return ferry::outcome::ack();
                          },
                          {.concurrency = 4, .prefetch = 8}};
  w.start();
  REQUIRE(src.wait_settled(200));
  w.stop();
  CHECK(runs == 200);
  const auto s = src.settled();
  REQUIRE(s.size() == 200);
  for (const auto& [payload, verdicts] : s) {
    REQUIRE(verdicts.size() == 1);
    const int n = std::stoi(payload);
    const kind want = n % 10 == 2 || n % 10 == 3                  ? kind::dead_letter
                      : n % 10 == 1 || n % 10 == 4 || n % 10 == 5 ? kind::retry
                                                                  : kind::ack;
    CHECK(verdicts[0] == want);
  }
  CHECK(src.reason("3") == "poison");
  CHECK(src.reason("5") == "bug");
  CHECK(src.max_held() <= 4 + 8);
  const auto st = w.stats();
  CHECK(st.fetched == 200);
  CHECK(st.succeeded == 100);
  CHECK(st.failed == 100);
}

TEST_CASE("worker_runtime: unexpected exceptions can dead-letter instead of retry", "[runtime]") {
  memory_source src{3};
  ferry::worker_runtime w{
      src,
      [](const ferry::delivery&) -> ferry::outcome { throw std::logic_error("no"); },
      {.unexpected_exception = kind::dead_letter}};
  w.start();
  REQUIRE(src.wait_settled(3));
  w.stop();
  for (const auto& [payload, verdicts] : src.settled())
    CHECK(verdicts == std::vector{kind::dead_letter});
}

TEST_CASE("worker_runtime: a failing round trip loses and repeats no settlement", "[runtime]") {
  memory_source src{50};
  std::atomic<int> errors{0};
  ferry::worker_runtime w{src,
                          [&](const ferry::delivery& d) {
                            if (d.payload == "10") src.fail_next(3);
                            return ferry::outcome::ack();
                          },
                          {.concurrency = 2,
                           .prefetch = 4,
                           .error_backoff = 5ms,
                           .observer = ferry::observer::errors_to(
                               [&](const std::exception&, const auto&) { ++errors; })}};
  w.start();
  REQUIRE(src.wait_settled(50));
  w.stop();
  CHECK(errors == 3);
  CHECK(w.stats().errors == 3);
  const auto s = src.settled();
  REQUIRE(s.size() == 50);
  for (const auto& [payload, verdicts] : s) CHECK(verdicts.size() == 1);
}

TEST_CASE("worker_runtime: stop finishes and settles every delivery already held", "[runtime]") {
  memory_source src{1000};
  std::atomic<int> runs{0};
  ferry::worker_runtime w{src,
                          [&](const ferry::delivery&) {
                            ++runs;
                            std::this_thread::sleep_for(1ms);
                            return ferry::outcome::ack();
                          },
                          {.concurrency = 2, .prefetch = 6}};
  w.start();
  while (runs < 20) std::this_thread::sleep_for(1ms);
  w.stop();
  CHECK_FALSE(w.running());
  const auto fetched = w.stats().fetched;
  CHECK(fetched < 1000);
  CHECK(static_cast<std::uint64_t>(runs.load()) == fetched);  // none held was dropped
  std::size_t settled = 0;
  for (const auto& [payload, verdicts] : src.settled()) settled += verdicts.size();
  CHECK(settled == fetched);
}

TEST_CASE("worker_runtime: bad options are refused", "[runtime]") {
  memory_source src{0};
  const auto ok = [](const ferry::delivery&) { return ferry::outcome::ack(); };
  CHECK_THROWS_AS(ferry::worker_runtime(src, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(ferry::worker_runtime(src, ok, {.concurrency = 0}), std::invalid_argument);
  CHECK_THROWS_AS(ferry::worker_runtime(src, ok, {.idle_wait = 0ms}), std::invalid_argument);
}

TEST_CASE("worker_runtime: ack_on_start settles each delivery as its handler starts", "[runtime]") {
  memory_source src{20};
  std::atomic<bool> release{false};
  std::atomic<int> failures{0};
  ferry::worker_runtime w{
      src,
      [&](const ferry::delivery& d) {
        while (d.id == "0" && !release.load()) std::this_thread::sleep_for(1ms);
        return ferry::outcome::retry("the outcome settles nothing");
      },
      {.concurrency = 2,
       .prefetch = 4,
       .ack_on_start = true,
       .on_failure = [&](const ferry::delivery&, std::string_view) { ++failures; }}};
  w.start();
  // "0" is still running: its ack went back as it started.
  REQUIRE(src.wait_settled(20));
  CHECK(src.settled().at("0") == std::vector<kind>{kind::ack});
  release.store(true);
  w.stop();
  const auto settled = src.settled();
  REQUIRE(settled.size() == 20);
  for (const auto& [id, verdicts] : settled) {
    INFO(id);
    CHECK(verdicts == std::vector<kind>{kind::ack});
  }
  CHECK(failures.load() == 20);
  CHECK(w.stats().failed == 20);
}
