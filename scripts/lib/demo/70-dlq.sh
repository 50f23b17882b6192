# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(ferry-retry-worker ferry-email-worker ferry-celery-worker example_queue_flaky_worker)

# Publishes one raw message to an AMQP queue once it exists (its consumer declares it).
dlq_demo_publish() {
  /usr/bin/python3 - "$RABBITMQ_URL" "$1" "$2" <<'PY'
import sys, time, pika
url, queue, body = sys.argv[1:4]
conn = pika.BlockingConnection(pika.URLParameters(url))
for _ in range(100):
    ch = conn.channel()
    try:
        ch.queue_declare(queue, passive=True)
        break
    except pika.exceptions.ChannelClosedByBroker:
        time.sleep(0.1)
ch.basic_publish("", queue, body.encode(), pika.BasicProperties(content_type="application/json"))
conn.close()
PY
}

# Waits until `redis-cli`/python says the dead-letter queue holds one message.
dlq_demo_wait() { for _ in $(seq 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }

demo_dlq() {
section "Dead letters of every source — Redis queue, AMQP consumer, Celery on Redis and on RabbitMQ — in one API and one command (apps/retry-worker)"
local dir="$WORK/dlq" id=$$
mkdir -p "$dir"
local rq="demo-dlq-jobs-$id" aq="demo-dlq-email-$id" cq="demo-dlq-celery-$id"
local retryd="$BUILD/apps/retry-worker/ferry-retry-worker"
echo "  making one dead letter in each, by each transport's own code:"
MAX_RETRY_ATTEMPTS=1 "$BUILD/examples/example_queue_flaky_worker" "$REDIS_URL" "$rq" enqueue 1 >/dev/null
MAX_RETRY_ATTEMPTS=1 "$BUILD/examples/example_queue_flaky_worker" "$REDIS_URL" "$rq" work 1 down >/dev/null
echo "    redis:        a job whose handler failed its only attempt (ferry::queue)"
DATABASE_URL="sqlite://$dir/mail.db" RABBITMQ_QUEUE="$aq" ATTACHMENT_STORAGE_PATH="$dir/att" \
  "$BUILD/apps/email-worker/ferry-email-worker" >"$dir/email-worker.log" 2>&1 &
local pids=($!)
dlq_demo_publish "$aq" 'this is not an email job'
echo "    amqp:         a body ferry-email-worker cannot decode (ferry::amqp::consumer)"
CELERY_RESULT_BACKEND="$REDIS_URL" "$BUILD/apps/celery-worker/ferry-celery-worker" \
  --broker-url "$REDIS_URL" -Q "$cq" -q >"$dir/celery-redis.log" 2>&1 &
pids+=($!)
CELERY_RESULT_BACKEND="$REDIS_URL" "$BUILD/apps/celery-worker/ferry-celery-worker" \
  --broker-url "$RABBITMQ_URL" -Q "$cq" -q >"$dir/celery-amqp.log" 2>&1 &
pids+=($!)
redis-cli -u "$REDIS_URL" LPUSH "$cq" '{not json' >/dev/null
echo "    celery-redis: an envelope that is not JSON (ferry-celery-worker, Redis broker)"
dlq_demo_publish "$cq" '[[1, 2], {}, {}]'
echo "    celery-amqp:  a task message without its task header (ferry-celery-worker, RabbitMQ)"
dlq_demo_wait "[ \"\$(redis-cli -u \"$REDIS_URL\" LLEN \"$cq.dlq\")\" = 1 ]" || true
local env_args=(env QUEUES="$rq" RABBITMQ_URL="$RABBITMQ_URL" RABBITMQ_QUEUES="$aq"
  CELERY_QUEUES="$cq" REDIS_URL="$REDIS_URL")
local cli=("${env_args[@]}" "$retryd" --celery-broker-url "$REDIS_URL" --celery-broker-url "$RABBITMQ_URL")
dlq_demo_wait "${cli[*]} dlq list --json | /usr/bin/python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"total_dead\"] >= 4 else 1)'" || true
kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true

echo "  ferry-retry-worker dlq list:"
"${cli[@]}" dlq list | grep -E "^SOURCE|demo-dlq-.*-$id" | sed 's/^/    /'
local port
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
local api="http://127.0.0.1:$port" token="demo-$RANDOM$RANDOM"
ADMIN_TOKEN="$token" ADMIN_LISTEN="127.0.0.1:$port" "${cli[@]}" serve >"$dir/retry-worker.log" 2>&1 &
local retryd_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "$api/health" && break; sleep 0.1; done
local auth=(-H "Authorization: Bearer $token")
echo "  GET /admin/dlq/$cq?source=celery-amqp:"
curl -s "${auth[@]}" "$api/admin/dlq/$cq?source=celery-amqp" | /usr/bin/python3 -c '
import json, sys
for m in json.load(sys.stdin)["messages"]:
    print("    id=%s payload=%r\n      error=%r" % (m["id"], m["payload"], m["error"]))'
local job
job=$("${cli[@]}" dlq list "$rq" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["id"])')
echo "  POST /admin/dlq/$rq/requeue/${job:0:8}… -> $(curl -s "${auth[@]}" -d '' "$api/admin/dlq/$rq/requeue/$job")"
local letter
letter=$("${cli[@]}" dlq list "$aq" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["id"])')
echo "  ferry-retry-worker dlq remove $aq $letter -> $("${cli[@]}" dlq remove "$aq" "$letter")"
echo "  ferry-retry-worker dlq purge $cq --source celery-redis -> $("${cli[@]}" dlq purge "$cq" --source celery-redis)"
echo "  GET /admin/dlq/stats, after:"
curl -s "${auth[@]}" "$api/admin/dlq/stats" | /usr/bin/python3 -c '
import json, sys
for q in json.load(sys.stdin)["queues"]:
    if q["queue"].endswith(sys.argv[1]):
        print("    %-13s %-28s dead=%d" % (q["source"], q["queue"], q["dead"]))' "-$id"
kill -TERM "$retryd_pid" && wait "$retryd_pid" || true
# Leave nothing behind on the servers.
redis-cli -u "$REDIS_URL" --scan --pattern "ferry:queue:{$rq}:*" | xargs -r redis-cli -u "$REDIS_URL" DEL >/dev/null
redis-cli -u "$REDIS_URL" SREM ferry:queue:queues "$rq" >/dev/null
redis-cli -u "$REDIS_URL" DEL "$cq" "$cq.dlq" >/dev/null
/usr/bin/python3 - "$RABBITMQ_URL" "$aq" "$aq.dlq" "$cq" "$cq.dlq" <<'PY'
import sys, pika
conn = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
for q in sys.argv[2:]:
    conn.channel().queue_delete(q)
conn.close()
PY
}
