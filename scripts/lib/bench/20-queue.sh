# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-queue ferry-bench-ratelimit)
# --- reliable queue and rate limiter: beside plain round trips (their physical limit) --------
bench_queue() {
  ferry_log "queue and rate limiter beside PING round trips"
  out=$(client "$BUILD/tests/bench/ferry-bench-queue" --url "redis://127.0.0.1:$REDIS_PORT/10" --cycles 3000)
  for id in queue.cycle_c1 queue.cycle_c50; do
    f=$(echo "$out" | grep "bench=$id side=ferry" | field value)
    p=$(echo "$out" | grep "bench=$id side=ping3" | field value)
    record "$id" "enqueue + reserve + ack cycles, ${id##*_}" "$f" "3 PINGs per cycle, same threads" "$p" jobs/s ""
  done
  out=$(client "$BUILD/tests/bench/ferry-bench-ratelimit" --url "redis://127.0.0.1:$REDIS_PORT/10" --requests 20000)
  record ratelimit.sliding_log "exact sliding-log decision, one connection" \
    "$(echo "$out" | grep 'side=ferry' | field value)" "PING, same connection" \
    "$(echo "$out" | grep 'side=ping' | field value)" decisions/s ""
}
