# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-celery ferry-bench-amqp)
# --- Celery: ferry's client and worker vs Python Celery 5.2 on the same broker ----------------
# Both sides run the trivial task bench.add(i, i) on their own queue of the same broker:
#   send   ferry client::send_task / send_tasks (batches of 100) vs Celery's app.send_task loop,
#          no worker running (the peer's send without a result backend)
#   exec   a worker started on N queued tasks, clocked until a sentinel queued last has run
#          (with the result backend: until its result is stored); Celery solo vs ferry with 1
#          handler thread, Celery prefork -c 2 vs ferry with 2 handler threads; both with
#          prefetch 4 per process/thread (Celery's default multiplier)
# Result backend: Redis (Celery's redis:// backend; ferry's redis_backend) or none (Celery
# without a backend; ferry's tasks sent with ignore_result).
# Knobs: CELERY_BENCH_ROUNDS (3), CELERY_BENCH_N (Celery tasks per run, 3000),
# CELERY_BENCH_N_FERRY (ferry tasks per run, 20000: its runs are too short to time at 3000).
bench_celery() {
  ferry_log "celery: ferry client and worker vs Celery 5.2 (send_task; solo and prefork -c 2)"
  if ! /usr/bin/python3 -c 'import celery' 2>/dev/null; then
    echo "  python3-celery is missing: section skipped"
    return 0
  fi
  local bin="$BUILD/tests/bench/ferry-bench-celery"
  local peer=(/usr/bin/python3 "$FERRY_ROOT/tests/bench/peers/celery/celery_peer.py")
  local rounds=${CELERY_BENCH_ROUNDS:-3} n_peer=${CELERY_BENCH_N:-3000}
  local n_ferry=${CELERY_BENCH_N_FERRY:-20000}
  local redis="redis://127.0.0.1:$REDIS_PORT" out="$RESULTS.celery"
  # Databases: Celery broker 6, Celery results 7, control stamps 8; ferry broker 11, results 12.
  local brokers=(redis)
  if "$bin" --help 2>/dev/null | grep -q 'amqp://'; then brokers+=(amqp); fi
  : >"$out"
  local round broker backend pool peer_broker ferry_broker p f server_pids
  # ferry's broker URL for `broker` (redis: its own database).
  ferry_broker_url() { if [ "$1" = redis ]; then echo "$redis/11"; else echo "$RABBITMQ_URL"; fi; }
  for round in $(seq "$rounds"); do
    for broker in "${brokers[@]}"; do
      ferry_broker=$(ferry_broker_url "$broker")
      # The servers' own CPU time per task while ferry's worker runs (both sit on CPU 0): how
      # close each exec row is to what that CPU can give.
      case $broker in
        redis) peer_broker="$redis/6" server_pids=(--server-pid "$REDIS_PID") ;;
        amqp) peer_broker="$RABBITMQ_URL"
          server_pids=(--server-pid "$RABBITMQ_PID" --server-pid "$REDIS_PID") ;;
      esac
      for backend in 0 1; do
        for pool in solo prefork2; do
          redis-cli -p "$REDIS_PORT" -n 7 flushdb >/dev/null
          local peer_args=(--broker-url "$peer_broker" --control-url "$redis/8" --pool "$pool" -n "$n_peer")
          local ferry_args=(--broker-url "$ferry_broker" --backend-url "$redis/12" --shape drain
            -n "$n_ferry" -c "$([ "$pool" = solo ] && echo 1 || echo 2)" "${server_pids[@]}")
          if [ "$backend" = 1 ]; then
            peer_args+=(--backend-url "$redis/7")
            ferry_args+=(--store-results)
          fi
          p=$(client "${peer[@]}" "${peer_args[@]}")
          f=$(client "$bin" "${ferry_args[@]}")
          [ "$backend" = 0 ] && echo "peer.$broker.send $(echo "$p" | grep 'bench=celery.send' | field value)" >>"$out"
          echo "peer.$broker.exec.$pool.$backend $(echo "$p" | grep 'bench=celery.drain' | field value)" >>"$out"
          echo "ferry.$broker.exec.$pool.$backend $(echo "$f" | field value)" >>"$out"
          echo "server.$broker.exec.$pool.$backend $(echo "$f" | field server_cpu_us_per_task)" >>"$out"
          echo "  round $round $broker backend=$backend: celery $pool $(echo "$p" | grep 'bench=celery.drain' | field value)/s" \
            "(send $(echo "$p" | grep 'bench=celery.send' | field value)/s)$(echo "$p" | grep -q unfinished=1 && echo ' UNFINISHED')," \
            "ferry c$([ "$pool" = solo ] && echo 1 || echo 2) $(echo "$f" | field value)/s"
        done
      done
      f=$(client "$bin" --broker-url "$ferry_broker" --backend-url "$redis/12" --shape send -n 10000)
      echo "ferry.$broker.send $(echo "$f" | field value)" >>"$out"
      f=$(client "$bin" --broker-url "$ferry_broker" --backend-url "$redis/12" --shape send -n 10000 --pipelined)
      echo "ferry.$broker.send_pipelined $(echo "$f" | field value)" >>"$out"
      f=$(client "$bin" --broker-url "$ferry_broker" --backend-url "$redis/12" --shape send_batched -n 50000 --batch 100)
      echo "ferry.$broker.send_batched $(echo "$f" | field value)" >>"$out"
      echo "  round $round $broker: ferry send $(grep "^ferry.$broker.send " "$out" | tail -1 | cut -d' ' -f2)/s," \
        "send_tasks $(echo "$f" | field value)/s"
    done
  done
  # Ceilings in the same run and placement: one Redis round trip on one connection (what one
  # send_task call per task costs at least), and RabbitMQ's confirmed persistent publish.
  # And what a bare consumer (ack per message, nothing else) gets at the workers' windows.
  local ping amqp_ceiling="" amqp_publish_cpu="" consume_p4="" consume_p8="" consume_p4_cpu="" consume_p8_cpu=""
  ping=$(client redis-benchmark -p "$REDIS_PORT" -c 1 -n 20000 -t ping_mbulk --csv | rb_rps)
  # The transport alone at the workers' windows (ferry-bench-celery --shape fetch: fetch_many
  # of `prefetch` with the acks riding along, nothing run), median of 3 runs.
  local fetch_ceilings="" window runs
  for broker in "${brokers[@]}"; do
    for window in 4 8; do
      runs=$(for round in 1 2 3; do
        client "$bin" --broker-url "$(ferry_broker_url "$broker")" --backend-url "$redis/12" --shape fetch \
          -n "$n_ferry" --prefetch "$window" | field value
      done | sort -n | sed -n 2p)
      fetch_ceilings+=" $broker prefetch $window: $(printf '%.0f' "$runs");"
    done
  done
  if [[ " ${brokers[*]} " == *" amqp "* ]]; then
    local amqp_bin="$BUILD/tests/bench/ferry-bench-amqp"
    local pub
    pub=$(client "$amqp_bin" --url "$RABBITMQ_URL" --shape publish_pipelined --server-pid "$RABBITMQ_PID")
    amqp_ceiling=$(echo "$pub" | field value) amqp_publish_cpu=$(echo "$pub" | field server_cpu_us_per_msg)
    local c4 c8
    c4=$(client "$amqp_bin" --url "$RABBITMQ_URL" --shape consume_prefetch100 --prefetch 4 --server-pid "$RABBITMQ_PID")
    c8=$(client "$amqp_bin" --url "$RABBITMQ_URL" --shape consume_prefetch100 --prefetch 8 --server-pid "$RABBITMQ_PID")
    consume_p4=$(echo "$c4" | field value) consume_p8=$(echo "$c8" | field value)
    consume_p4_cpu=$(echo "$c4" | field server_cpu_us_per_msg) consume_p8_cpu=$(echo "$c8" | field server_cpu_us_per_msg)
  fi
  celery_median() { median "$out" "$1" 2; }
  local label title
  for broker in "${brokers[@]}"; do
    label=$([ "$broker" = redis ] && echo "Redis" || echo "RabbitMQ")
    record "celery.$broker.send_batched" "Celery tasks sent, $label broker: send_tasks (100 per call)" \
      "$(celery_median "ferry.$broker.send_batched")" "Celery 5.2 send_task loop" \
      "$(celery_median "peer.$broker.send")" tasks/s 10
    local each="one send_task call per task"
    [ "$broker" = amqp ] && each="$each (ferry waits for each publisher confirm; Celery does not)"
    record "celery.$broker.send" "Celery tasks sent, $label broker: $each" \
      "$(celery_median "ferry.$broker.send")" "Celery 5.2 send_task loop" \
      "$(celery_median "peer.$broker.send")" tasks/s 10
    local pipelined="confirms pipelined (wait_for_confirm = false: no wait per call, as Celery; every confirm in before the clock stops)"
    [ "$broker" = redis ] && pipelined="replies pipelined (wait_for_reply = false: no wait per call, where Celery waits for each LPUSH; every reply in before the clock stops)"
    record "celery.$broker.send_pipelined" \
      "Celery tasks sent, $label broker: one send_task call per task, $pipelined" \
      "$(celery_median "ferry.$broker.send_pipelined")" "Celery 5.2 send_task loop" \
      "$(celery_median "peer.$broker.send")" tasks/s 10
    for backend in 0 1; do
      title=$([ "$backend" = 1 ] && echo "Redis result backend" || echo "no result backend")
      record "celery.$broker.exec_c1.$([ "$backend" = 1 ] && echo results || echo noresults)" \
        "Celery tasks executed, $label broker, $title: 1 handler thread" \
        "$(celery_median "ferry.$broker.exec.solo.$backend")" "Celery worker --pool solo" \
        "$(celery_median "peer.$broker.exec.solo.$backend")" tasks/s 10
      record "celery.$broker.exec_c2.$([ "$backend" = 1 ] && echo results || echo noresults)" \
        "Celery tasks executed, $label broker, $title: 2 handler threads" \
        "$(celery_median "ferry.$broker.exec.prefork2.$backend")" "Celery worker --pool prefork -c 2" \
        "$(celery_median "peer.$broker.exec.prefork2.$backend")" tasks/s 10
    done
  done
  note "Celery rows: medians of $rounds interleaved round(s); Celery runs $n_peer tasks per run," \
    "ferry $n_ferry (drain) / 10,000 (send) / 50,000 (send_tasks). Every client process, Celery's" \
    "prefork children included, shares the client CPU."
  note "The transport alone at the workers' windows, for the exec rows without a backend" \
    "(ferry-bench-celery --shape fetch: fetch_many of prefetch 4 for 1 thread, 8 for 2, each" \
    "carrying the acks of the batch before it, one fetch after the other; no task run), median" \
    "of 3, tasks/s:${fetch_ceilings%;}. A worker overlaps its next fetch with the last task's" \
    "run, so it can pass this serial loop."
  note "Ceiling of one send_task call per task on Redis when each waits for its reply (as" \
    "Celery's does): one round trip each; redis-benchmark PING on one connection, same" \
    "placement: $(printf '%.0f' "$ping") round trips/s. With wait_for_reply = false" \
    "(celery.redis.send_pipelined) no call waits; the clock still holds every reply."
  if [ -n "$amqp_ceiling" ]; then
    local ten_send
    ten_send=$(awk -v p="$(celery_median peer.amqp.send)" 'BEGIN {printf "%.0f", 10 * p}')
    note "RabbitMQ ceiling: ferry's raw persistent publish, confirmed, pipelined (ferry-bench-amqp" \
      "publish_pipelined) to one queue: $(printf '%.0f' "$amqp_ceiling") msgs/s in this run, at" \
      "$amqp_publish_cpu µs of RabbitMQ CPU per message; 10x Celery's send rate on RabbitMQ" \
      "($ten_send msgs/s) would need" \
      "$(awk -v n="$ten_send" -v u="${amqp_publish_cpu:-0}" 'BEGIN {printf "%.0f", n * u / 1e4}')% of its CPU."
    local ten_solo ten_prefork
    ten_solo=$(awk -v a="$(celery_median peer.amqp.exec.solo.0)" 'BEGIN {printf "%.0f", 10 * a}')
    ten_prefork=$(awk -v a="$(celery_median peer.amqp.exec.prefork2.0)" 'BEGIN {printf "%.0f", 10 * a}')
    note "RabbitMQ consume ceiling at the workers' windows: a bare ferry consumer acking each" \
      "persistent message on receipt (ferry-bench-amqp consume, no task, no JSON) takes" \
      "$(printf '%.0f' "$consume_p4") msgs/s at prefetch 4 and $(printf '%.0f' "$consume_p8") at" \
      "prefetch 8, while 10x Celery's rates without a backend would be $ten_solo (solo, prefetch 4)" \
      "and $ten_prefork (prefork -c 2, prefetch 8) tasks/s. A worker acks a task when it starts," \
      "not on receipt, so it keeps fewer messages in flight than that bare consumer." \
      "RabbitMQ's CPU time per message in those runs: $consume_p4_cpu µs (prefetch 4) and" \
      "$consume_p8_cpu µs (prefetch 8)."
  fi
  # Per exec row: the servers' CPU time per task (median), the share of their CPU that makes
  # at ferry's median rate, and the share 10x Celery's median rate would need at that cost.
  local load="" key rate cpu peer
  for broker in "${brokers[@]}"; do
    for backend in 0 1; do
      for pool in solo prefork2; do
        key="$broker.exec.$pool.$backend"
        rate=$(celery_median "ferry.$key") cpu=$(celery_median "server.$key")
        peer=$(celery_median "peer.$key")
        [ -n "$cpu" ] || continue
        load+=$(awk -v b="$broker" -v c="$([ "$pool" = solo ] && echo 1 || echo 2)" \
          -v k="$([ "$backend" = 1 ] && echo results || echo noresults)" -v r="$rate" -v u="$cpu" \
          -v p="${peer:-0}" \
          'BEGIN {printf " %s c%s %s: %.0f µs, %.0f%% at ferry'"'"'s rate, %.0f%% at 10x Celery'"'"'s;", b, c, k, u, r * u / 1e4, 10 * p * u / 1e4}')
      done
    done
  done
  [ -n "$load" ] && note "Servers' CPU (CPU 0) per task executed while ferry's worker ran" \
    "(ferry-bench-celery --server-pid: RabbitMQ and Redis on RabbitMQ rows, Redis on Redis rows)," \
    "the share of CPU 0 that makes at ferry's rate, and the share 10x Celery's rate would need at" \
    "the same cost per task:${load%;}. Near 100% the row is bound by the servers' CPU (the VM's" \
    "steal time comes on top and is not counted); above 100%, 10x Celery is out of this CPU's reach."
  rm -f "$out"
}
