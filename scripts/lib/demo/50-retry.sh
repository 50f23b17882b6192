# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(ferry-retry-worker example_queue_flaky_worker)

demo_retry() {
section "Retry worker: jobs fail, retry with backoff, land in the DLQ, requeued via the admin API (apps/retry-worker)"
local worker="$BUILD/examples/example_queue_flaky_worker"
local retryd="$BUILD/apps/retry-worker/ferry-retry-worker"
local queue="demo-emails-$$"
local port
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
local api="http://127.0.0.1:$port"
export ADMIN_TOKEN="demo-$RANDOM$RANDOM" MAX_RETRY_ATTEMPTS=3 RETRY_BACKOFF_BASE_SECONDS=1
REDIS_URL="$REDIS_URL" RABBITMQ_URL="" QUEUES="$queue" ADMIN_LISTEN="127.0.0.1:$port" \
  "$retryd" serve >"$WORK/retry-worker.log" 2>&1 &
local retryd_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "$api/health" && break; sleep 0.1; done
echo "  MAX_RETRY_ATTEMPTS=3, RETRY_BACKOFF_BASE_SECONDS=1: waits of 1 s, then 2 s"
"$worker" "$REDIS_URL" "$queue" enqueue 2 | sed 's/^/  /'
echo "  worker with the mailserver down:"
"$worker" "$REDIS_URL" "$queue" work 5 down | sed 's/^/  /'
local auth=(-H "Authorization: Bearer $ADMIN_TOKEN")
echo "  GET /admin/dlq/stats"
/usr/bin/python3 - "$queue" "$(curl -s "${auth[@]}" "$api/admin/dlq/stats")" <<'PY'
import json, sys
for q in json.loads(sys.argv[2])["queues"]:
    if q["queue"] == sys.argv[1]:
        print("    %s: dead=%d ready=%d scheduled=%d" % (q["queue"], q["dead"], q["ready"], q["scheduled"]))
PY
echo "  GET /admin/dlq/$queue?limit=5"
/usr/bin/python3 - "$(curl -s "${auth[@]}" "$api/admin/dlq/$queue?limit=5")" <<'PY'
import json, sys
for m in json.loads(sys.argv[1])["messages"]:
    print("    %s  %s  attempts=%d/%d  error=%r" % (m["id"][:8], m["payload"], m["attempts"], m["max_attempts"], m["error"]))
PY
echo "  POST /admin/dlq/$queue/requeue-all -> $(curl -s "${auth[@]}" -d '' "$api/admin/dlq/$queue/requeue-all")"
echo "  worker with the mailserver back:"
"$worker" "$REDIS_URL" "$queue" work 2 | sed 's/^/  /'
echo "  GET /admin/dlq/stats without the token -> HTTP $(curl -s -o /dev/null -w '%{http_code}' "$api/admin/dlq/stats")"
kill -TERM "$retryd_pid" && wait "$retryd_pid" || true
echo "  the retry worker's log:"
sed 's/^ferry-retry-worker: /    /' "$WORK/retry-worker.log"
redis-cli -u "$REDIS_URL" --scan --pattern "ferry:queue:{$queue}:*" | xargs -r redis-cli -u "$REDIS_URL" DEL >/dev/null
redis-cli -u "$REDIS_URL" SREM ferry:queue:queues "$queue" >/dev/null
unset ADMIN_TOKEN MAX_RETRY_ATTEMPTS RETRY_BACKOFF_BASE_SECONDS
}
