# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-cache)
# --- cache<T>: hits through Redis vs a bare GET, and near-cache hits -------------------------
# hit_redis is a GET plus header check plus JSON decode on one connection; its peer is
# redis-benchmark's bare GET of a value of the same size on one connection, same placement.
# hit_near is answered in-process, so it is held against ferry's own hit_redis figure; it copies
# the value out (get() returns std::optional<T>), hit_near_shared shares it (get_shared()).
bench_cache() {
  ferry_log "cache<T> hits vs redis-benchmark GET"
  CACHE_BENCH="$BUILD/tests/bench/ferry-bench-cache"
  CACHE_DB=11
  size=$(client "$CACHE_BENCH" --url "redis://127.0.0.1:$REDIS_PORT/$CACHE_DB" --shape hit_redis \
    --seconds 0.2 2>&1 >/dev/null | sed -nE 's/^stored entry: ([0-9]+) bytes/\1/p')
  client redis-benchmark -p "$REDIS_PORT" --dbnum $CACHE_DB -c 1 -n 1 -d "${size:-200}" -t set -q >/dev/null
  for round in 1 2 3; do
    peer=$(client redis-benchmark -p "$REDIS_PORT" --dbnum $CACHE_DB -c 1 -P 1 -n 40000 -t get --csv | rb_rps)
    redis_f=$(client "$CACHE_BENCH" --url "redis://127.0.0.1:$REDIS_PORT/$CACHE_DB" --shape hit_redis \
      2>/dev/null | field value)
    near_f=$(client "$CACHE_BENCH" --url "redis://127.0.0.1:$REDIS_PORT/$CACHE_DB" --shape hit_near \
      2>/dev/null | field value)
    shared_f=$(client "$CACHE_BENCH" --url "redis://127.0.0.1:$REDIS_PORT/$CACHE_DB" \
      --shape hit_near_shared 2>/dev/null | field value)
    echo "  round $round: redis-benchmark GET ($size B) $peer/s, ferry hit_redis $redis_f/s," \
      "hit_near $near_f/s, hit_near_shared $shared_f/s"
    echo "round $redis_f $peer $near_f $shared_f" >> "$RESULTS.cache"
  done
  redis_f=$(median "$RESULTS.cache" round 2)
  record cache.hit_redis "cache<T> hit through Redis (GET + JSON decode), one connection" "$redis_f" \
    "redis-benchmark -c 1 -P 1 GET, same value size" "$(median "$RESULTS.cache" round 3)" ops/s 0.85
  record cache.hit_near "cache<T> near-cache hit (in process, kept coherent by Redis)" \
    "$(median "$RESULTS.cache" round 4)" "ferry cache<T> hit through Redis" "$redis_f" ops/s 1000
  record cache.hit_near_shared "cache<T> near-cache hit, get_shared() (no copy of the value)" \
    "$(median "$RESULTS.cache" round 5)" "ferry cache<T> hit through Redis" "$redis_f" ops/s 1000
  rm -f "$RESULTS.cache"
}
