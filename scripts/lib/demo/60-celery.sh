# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(ferry-celery-worker example_celery_send_task)

demo_celery() {
section "Celery on RabbitMQ, results in Redis: C++ → ferry-celery-worker, C++ → Python Celery (examples/celery_send_task.cpp, apps/celery-worker)"
local dir="$WORK/celery" send="$BUILD/examples/example_celery_send_task"
mkdir -p "$dir"
export CELERY_BROKER_URL="$RABBITMQ_URL" CELERY_RESULT_BACKEND="$REDIS_URL"
"$BUILD/apps/celery-worker/ferry-celery-worker" --test-tasks -Q demo_cpp -q >"$dir/ferry.log" 2>&1 &
local ferry_pid=$!
echo "ferry-celery-worker on queue demo_cpp:"
"$send" demo_cpp 2 3
"$send" demo_cpp 20 22
kill -TERM "$ferry_pid" && wait "$ferry_pid" || true
if /usr/bin/python3 -c 'import celery' 2>/dev/null; then
  # The Python side: a Celery app with the same task names, solo pool, its own queue.
  cat >"$dir/demo_tasks.py" <<'PY'
import os
from celery import Celery
app = Celery("demo", broker=os.environ["CELERY_BROKER_URL"], backend=os.environ["CELERY_RESULT_BACKEND"])
app.conf.worker_hijack_root_logger = False
@app.task(name="tasks.add")
def add(x, y): return x + y
@app.task(name="tasks.mul")
def mul(x, y): return x * y
PY
  PYTHONPATH="$dir" /usr/bin/python3 -m celery -A demo_tasks worker -P solo -Q demo_py \
    -n "demo_py@%h" --without-heartbeat --without-gossip --without-mingle -l info \
    >"$dir/python.log" 2>&1 &
  local py_pid=$!
  for _ in $(seq 1 300); do
    grep -q " ready\." "$dir/python.log" && break
    sleep 0.1
  done
  echo "Python Celery worker (solo pool) on queue demo_py:"
  "$send" demo_py 7 8
  kill -TERM "$py_pid" 2>/dev/null; wait "$py_pid" 2>/dev/null || true
else
  echo "(python3-celery not installed: Python worker part skipped)"
fi
unset CELERY_BROKER_URL CELERY_RESULT_BACKEND
}
