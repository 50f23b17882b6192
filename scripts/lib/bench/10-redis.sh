# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-redis)
# --- Redis core: GET round trips vs redis-benchmark -------------------------------------------
bench_redis() {
  ferry_log "redis core vs redis-benchmark"
  DB=9
  client redis-benchmark -p "$REDIS_PORT" --dbnum $DB -r 100000 -n 200000 -P 16 -t set -q >/dev/null
  for round in 1 2 3; do
    peer=$(client redis-benchmark -p "$REDIS_PORT" --dbnum $DB -r 100000 -c 1 -P 1 -n 25000 -t get --csv | rb_rps)
    ours=$(client "$BUILD/tests/bench/ferry-bench-redis" --url "redis://127.0.0.1:$REDIS_PORT/$DB" --shape get_c1_P1 --requests 25000)
    echo "  round $round: redis-benchmark $peer/s, ferry $(echo "$ours" | field value)/s"
    echo "get_c1_P1 $(echo "$ours" | field value) $peer" >> "$RESULTS.redis1"
    peer=$(client redis-benchmark -p "$REDIS_PORT" --dbnum $DB -r 100000 -c 1 -P 16 -n 300000 -t get --csv | rb_rps)
    ours=$(client "$BUILD/tests/bench/ferry-bench-redis" --url "redis://127.0.0.1:$REDIS_PORT/$DB" --shape get_c1_P16 --requests 300000)
    echo "get_c1_P16 $(echo "$ours" | field value) $peer" >> "$RESULTS.redis1"
  done
  # Medians of the interleaved rounds.
  for shape in get_c1_P1 get_c1_P16; do
    ferry_f=$(median "$RESULTS.redis1" $shape 2)
    peer_f=$(median "$RESULTS.redis1" $shape 3)
    if [ $shape = get_c1_P1 ]; then
      record redis.get_c1_P1 "GET, one connection, one request per round trip" "$ferry_f" "redis-benchmark -c 1 -P 1" "$peer_f" ops/s 0.9
    else
      record redis.get_c1_P16 "GET, one connection, 16-deep pipeline" "$ferry_f" "redis-benchmark -c 1 -P 16" "$peer_f" ops/s 0.8
    fi
  done
  rm -f "$RESULTS.redis1"
}
