# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-policyd ferry-bench-policy-load)
# --- Postfix policy service: ferry-policyd vs Debian's postfwd2 -------------------------------
# Same load client for both, with the client placement: tests/bench/policy_load.cpp (one thread,
# epoll; the request bytes of tests/bench/peers/policy/sample-policy-request.txt, Postfix's
# request captured from a real smtpd), 8 connections kept open, one request outstanding on
# each. The Python client (policy-load.py, POLICY_LOAD_CLIENT=python) tops out near 7-11k
# requests/s against a server that answers at once, so it measured itself, not the servers.
# The recipients cycle over 4 addresses ferry-policyd knows (SQLite), so with the Redis cache
# every answer after the first few is a cache hit (near-cache hits answered on the event loop);
# nocache asks SQLite every time. postfwd2 runs tests/bench/peers/policy/postfwd.cf (a regex
# rule, no lookups), started on the server CPU.
bench_policy() {
  ferry_log "policy service vs postfwd2"
  command -v postfwd2 >/dev/null || bench_die "postfwd2 missing (Debian package postfwd)"
  POLICY_PEERS="$FERRY_ROOT/tests/bench/peers/policy"
  POLICY_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-policy.XXXXXX")
  chmod 0755 "$POLICY_WORK"
  CLEANUPS+=("rm -rf '$POLICY_WORK'")
  POLICYD="$BUILD/apps/policy-service/ferry-policyd"
  POLICY_N=${POLICY_REQUESTS:-20000}  # requests per connection (each run also stops after 10 s)
  read -r P_CACHE A_CACHE P_NOCACHE A_NOCACHE P_FWD < <(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(5)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  listening() { ss -Hltn | awk -v p="$1" '{n=split($4,a,":"); if (a[n]==p) f=1} END {exit !f}'; }
  wait_listening() {
    local _
    for _ in $(seq 1 50); do listening "$1" && return 0; sleep 0.2; done
    bench_die "nothing listening on 127.0.0.1:$1 (see $POLICY_WORK)"
  }
  stop_pid() {  # stop_pid PID: TERM, then KILL after ~10 s
    local _
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
  }

  DB="$POLICY_WORK/policy.db"
  env -u REDIS_URL "$POLICYD" --db-url "$DB" --init-db >/dev/null 2>&1
  for i in 0 1 2 3; do
    env -u REDIS_URL "$POLICYD" --db-url "$DB" address add "load-$i@logging.email" --customer bench \
      >/dev/null 2>&1
  done
  "$POLICYD" --db-url "$DB" --redis-url "$REDIS_URL" --listen "127.0.0.1:$P_CACHE" \
    --admin-listen "127.0.0.1:$A_CACHE" --log-level warning >"$POLICY_WORK/cache.log" 2>&1 &
  CACHE_PID=$!
  CLEANUPS+=("stop_pid $CACHE_PID")
  # No --redis-url and no REDIS_URL in its environment: the cache is off.
  env -u REDIS_URL "$POLICYD" --db-url "$DB" --listen "127.0.0.1:$P_NOCACHE" \
    --admin-listen "127.0.0.1:$A_NOCACHE" --log-level warning >"$POLICY_WORK/nocache.log" 2>&1 &
  NOCACHE_PID=$!
  CLEANUPS+=("stop_pid $NOCACHE_PID")
  # postfwd2 drops to nobody; its pidfile and cache socket live in run/ (as policy-ctl.sh does).
  install -d -m 0755 -o nobody -g nogroup "$POLICY_WORK/run"
  server postfwd2 --daemon -f "$POLICY_PEERS/postfwd.cf" -i 127.0.0.1 -p "$P_FWD" \
    -u nobody -g nogroup --pidfile "$POLICY_WORK/run/postfwd.pid" \
    --cache_proto unix --cache_port "$POLICY_WORK/run/cache.sock" --nodns \
    >"$POLICY_WORK/postfwd.log" 2>&1 </dev/null
  for _ in $(seq 1 50); do [ -s "$POLICY_WORK/run/postfwd.pid" ] && break; sleep 0.2; done
  FWD_PID=$(tr -dc 0-9 < "$POLICY_WORK/run/postfwd.pid")
  CLEANUPS+=("stop_pid $FWD_PID")
  wait_listening "$P_CACHE"
  wait_listening "$P_NOCACHE"
  wait_listening "$P_FWD"
  pin_server "$CACHE_PID"
  pin_server "$NOCACHE_PID"

  if [ "${POLICY_LOAD_CLIENT:-cpp}" = python ]; then
    LOAD=(/usr/bin/python3 "$POLICY_PEERS/policy-load.py" -k 8 --recipients 4 --max-seconds 120)
  else
    LOAD=("$BUILD/tests/bench/ferry-bench-policy-load" --template
      "$POLICY_PEERS/sample-policy-request.txt" -k 8 --recipients 4 --max-seconds 10)
  fi
  policy_load() {  # policy_load PORT N: sets LOAD_RPS and LOAD_P99 (dies on any request error)
    local out
    out=$(client "${LOAD[@]}" --port "$1" -n "$2") || bench_die "policy load on :$1 failed: $out"
    LOAD_RPS=$(echo "$out" | sed -nE 's/^throughput=([0-9.]+) .*/\1/p')
    LOAD_P99=$(echo "$out" | sed -nE 's/.* p99=([0-9.]+) .*/\1/p')
  }
  for port in "$P_CACHE" "$P_NOCACHE" "$P_FWD"; do policy_load "$port" 200; done  # warm-up
  for round in 1 2 3; do
    policy_load "$P_CACHE" "$POLICY_N" && c_rps=$LOAD_RPS c_p99=$LOAD_P99
    policy_load "$P_NOCACHE" "$POLICY_N" && n_rps=$LOAD_RPS n_p99=$LOAD_P99
    policy_load "$P_FWD" "$POLICY_N" && f_rps=$LOAD_RPS f_p99=$LOAD_P99
    echo "  round $round: ferry cache $c_rps/s p99 $c_p99 ms, ferry nocache $n_rps/s p99 $n_p99 ms," \
      "postfwd2 $f_rps/s p99 $f_p99 ms"
    echo "round $c_rps $c_p99 $n_rps $n_p99 $f_rps $f_p99" >> "$RESULTS.policy"
  done
  # The cached rows must really be cache hits: show ferry-policyd's own counters.
  echo "  ferry-policyd (cache) counters:" \
    "$(curl -s "http://127.0.0.1:$A_CACHE/metrics" |
      grep -E '^ferry_policy_cache_(hits|near_hits|misses)_total' |
      tr '\n' ' ' || true)"
  pm() { median "$RESULTS.policy" round "$1"; }
  record policy.hit_8conn "policy requests, 8 connections, answers from the Redis cache (SQLite behind)" \
    "$(pm 2)" "postfwd2 1.35, regex rule" "$(pm 6)" req/s 20
  # p99 ratio is postfwd2's p99 over ferry's: 9.8 means ferry's p99 is at most about 1 ms when
  # postfwd2's is ~9.8 ms (its figure in the anchor README).
  record policy.hit_8conn_p99 "policy p99 latency, 8 connections, Redis cache hits" \
    "$(pm 3)" "postfwd2 1.35, regex rule" "$(pm 7)" ms 9.8
  record policy.nocache_8conn "policy requests, 8 connections, no cache (SQLite every request)" \
    "$(pm 4)" "postfwd2 1.35, regex rule" "$(pm 6)" req/s ""
  rm -f "$RESULTS.policy"
}
