# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-queue ferry-bench-ratelimit)
# --- reliable queue vs BullMQ; rate limiter vs limits, rate-limiter-flexible, EVALSHA ----------
# One Redis (database 10), same client CPU, 3 interleaved rounds, medians. Peers:
#   tests/bench/peers/node/queue_bullmq.js       BullMQ Worker draining pre-filled no-op jobs
#   tests/bench/peers/node/ratelimit_flexible.js rate-limiter-flexible RateLimiterRedis.consume()
#   tests/bench/peers/ratelimit_limits.py        Python limits, moving window, hit()
#   redis-benchmark EVALSHA of `return redis.call('INCR', KEYS[1])` on one connection
# The npm packages are pinned by tests/bench/peers/node/package-lock.json and installed into
# $BUILD/node once (needs node >= 20 and the npm registry). `npm install` with the lock file
# installs exactly the locked versions; `npm ci` (npm 11) rejects this lock because it lacks
# entries for msgpackr-extract's optional binaries of other platforms.
queue_node_setup() {
  local peers="$FERRY_ROOT/tests/bench/peers/node" major
  command -v node >/dev/null && command -v npm >/dev/null ||
    bench_die "node and npm missing: the BullMQ and rate-limiter-flexible peers need Node.js >= 20"
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || bench_die "node $(node --version) too old: ioredis 6 needs Node.js >= 20"
  QUEUE_NODE_DIR="$BUILD/node"
  if ! cmp -s "$peers/package-lock.json" "$QUEUE_NODE_DIR/installed-lock.json"; then
    ferry_log "npm install (bullmq, ioredis, rate-limiter-flexible, locked) into $QUEUE_NODE_DIR"
    rm -rf "$QUEUE_NODE_DIR"
    mkdir -p "$QUEUE_NODE_DIR"
    cp "$peers/package.json" "$peers/package-lock.json" "$QUEUE_NODE_DIR/"
    (cd "$QUEUE_NODE_DIR" && npm install --no-audit --no-fund >npm.log 2>&1) ||
      bench_die "npm install failed in $QUEUE_NODE_DIR (can npm reach its registry?): $(tail -5 "$QUEUE_NODE_DIR/npm.log")"
    cp "$peers/package-lock.json" "$QUEUE_NODE_DIR/installed-lock.json"
  fi
  export NODE_PATH="$QUEUE_NODE_DIR/node_modules"
}

bench_queue() {
  ferry_log "queue vs BullMQ; rate limiter vs limits, rate-limiter-flexible, EVALSHA"
  queue_node_setup
  /usr/bin/python3 -c 'import limits' 2>/dev/null || bench_die "python3-limits missing (Debian package)"
  local peers="$FERRY_ROOT/tests/bench/peers" db=10 round out
  local url="redis://127.0.0.1:$REDIS_PORT/$db"
  local QB="$BUILD/tests/bench/ferry-bench-queue" RB="$BUILD/tests/bench/ferry-bench-ratelimit"
  local NODE_PEER=(node --no-warnings)
  local sha
  sha=$(redis-cli -p "$REDIS_PORT" -n "$db" script load "return redis.call('INCR', KEYS[1])")
  local rl_n=10000 rl_conc_n=100000
  qv() { echo "$1 $(echo "$2" | field value)" >> "$RESULTS.queue"; }
  for round in 1 2 3; do
    for c in 1 50; do
      jobs=$([ "$c" = 1 ] && echo 5000 || echo 20000)
      qv "ferry.worker_c$c" "$(client "$QB" --url "$url" --shape worker --concurrency "$c" --jobs "$jobs")"
      qv "bullmq.worker_c$c" "$(client "${NODE_PEER[@]}" "$peers/node/queue_bullmq.js" --port "$REDIS_PORT" \
        --db "$db" --concurrency "$c" --jobs "$jobs")"
    done
    qv ferry.log_c1 "$(client "$RB" --url "$url" --algo log --requests "$rl_n")"
    qv ferry.fixed_c1 "$(client "$RB" --url "$url" --algo fixed --requests "$rl_n")"
    qv limits.c1 "$(client /usr/bin/python3 "$peers/ratelimit_limits.py" --port "$REDIS_PORT" --db "$db" \
      --requests "$rl_n")"
    qv rlflex.c1 "$(client "${NODE_PEER[@]}" "$peers/node/ratelimit_flexible.js" --port "$REDIS_PORT" \
      --db "$db" --requests "$rl_n")"
    out=$(client redis-benchmark -p "$REDIS_PORT" --dbnum "$db" -c 1 -n 20000 -r 100000 --csv \
      evalsha "$sha" 1 'ferry-bench:lua:__rand_int__' | rb_rps)
    echo "evalsha.c1 $out" >> "$RESULTS.queue"
    qv ferry.log_c50 "$(client "$RB" --url "$url" --algo log --concurrency 50 --requests "$rl_conc_n" 2>/dev/null)"
    qv ferry.fixed_c50 "$(client "$RB" --url "$url" --algo fixed --concurrency 50 --requests "$rl_conc_n" 2>/dev/null)"
    qv ferry.fixed_batch50 "$(client "$RB" --url "$url" --algo fixed --batch 50 --requests "$rl_conc_n")"
    qv rlflex.c50 "$(client "${NODE_PEER[@]}" "$peers/node/ratelimit_flexible.js" --port "$REDIS_PORT" \
      --db "$db" --requests "$rl_conc_n" --concurrency 50)"
    echo "  round $round:" $(awk -v r="$round" '{a[$1]=$2} END {for (k in a) printf "%s=%s ", k, a[k]}' "$RESULTS.queue")
  done
  redis-cli -p "$REDIS_PORT" -n "$db" eval "for _, k in ipairs(redis.call('KEYS', 'ferry-bench:lua:*')) do redis.call('DEL', k) end" 0 >/dev/null
  qm() { median "$RESULTS.queue" "$1" 2; }
  local bullmq="BullMQ 6.7.0 Worker (ioredis 6.0.0)"
  record queue.worker_c1 "queue worker draining pre-filled jobs (enqueue + reserve + ack each), concurrency 1" \
    "$(qm ferry.worker_c1)" "$bullmq, concurrency 1" "$(qm bullmq.worker_c1)" jobs/s 3
  record queue.worker_c50 "queue worker draining pre-filled jobs, concurrency 50" \
    "$(qm ferry.worker_c50)" "$bullmq, concurrency 50" "$(qm bullmq.worker_c50)" jobs/s 3
  record ratelimit.seq_evalsha "exact sliding-log decision, sequential, one connection" \
    "$(qm ferry.log_c1)" "redis-benchmark EVALSHA of a one-line script, 1 connection" \
    "$(qm evalsha.c1)" decisions/s 0.8
  record ratelimit.seq_limits "exact sliding-log decision, sequential" \
    "$(qm ferry.log_c1)" "limits 2.8 moving window hit(), sequential" "$(qm limits.c1)" decisions/s 5
  record ratelimit.seq_rlflex "fixed-window decision, sequential" \
    "$(qm ferry.fixed_c1)" "rate-limiter-flexible 11.4.0 consume() (fixed window), sequential" \
    "$(qm rlflex.c1)" decisions/s 5
  record ratelimit.c50_rlflex "fixed-window decisions, 50 threads, coalescing_limiter" \
    "$(qm ferry.fixed_c50)" "rate-limiter-flexible consume(), 50 in flight on one connection" \
    "$(qm rlflex.c50)" decisions/s 5
  record ratelimit.batch50_rlflex "fixed-window decisions, one thread, acquire_many of 50" \
    "$(qm ferry.fixed_batch50)" "rate-limiter-flexible consume(), 50 in flight on one connection" \
    "$(qm rlflex.c50)" decisions/s 5
  record ratelimit.c50_log_rlflex "exact sliding-log decisions, 50 threads, coalescing_limiter" \
    "$(qm ferry.log_c50)" "rate-limiter-flexible consume() (fixed window), 50 in flight" \
    "$(qm rlflex.c50)" decisions/s 5
  record ratelimit.c50_log_limits "exact sliding-log decisions, 50 threads, coalescing_limiter" \
    "$(qm ferry.log_c50)" "limits moving window hit() (sequential only: no concurrent API)" \
    "$(qm limits.c1)" decisions/s 5
  note "Queue rows: both sides drain N pre-filled no-op jobs (pre-fill not timed: BullMQ addBulk, ferry enqueue_many) with one worker of concurrency 1 or 50; the clock runs from worker start to the N-th completion. ferry's queue::worker keeps at-least-once delivery: each round trip is one script that acks the finished jobs and leases the next ones (default prefetch 16); only an ack removes a job, and a killed worker's leased jobs come back by stale recovery (tests/integration/queue_test.cpp)."
  local ev_lim ev_rlf
  ev_lim=$(awk -v a="$(qm evalsha.c1)" -v b="$(qm limits.c1)" 'BEGIN {printf "%.1f", a / b}')
  ev_rlf=$(awk -v a="$(qm evalsha.c1)" -v b="$(qm rlflex.c1)" 'BEGIN {printf "%.1f", a / b}')
  note "Rate-limiter rows never reach the limit (1e9 per hour), so every decision takes the write path, as in the peers' \"allowed\" runs. A sequential decision is one script round trip for every library, so the sequential rows against limits and rate-limiter-flexible cannot reach 5x: that would need 5 decisions per round trip, while in this run even a trivial EVALSHA on one connection (redis-benchmark, $(qm evalsha.c1)/s) is only ${ev_lim}x limits' and ${ev_rlf}x rate-limiter-flexible's sequential rate. The like-for-like 5x comparison is concurrent, in two forms: 50 threads sharing a coalescing_limiter, and one thread with 50 requests per acquire_many call, both against rate-limiter-flexible with 50 promises in flight from its one thread (50 threads on one client CPU pay a thread wake-up per decision that one JavaScript thread does not). limits has no concurrent API, so its row compares against its sequential rate."
  rm -f "$RESULTS.queue"
}

