#!/usr/bin/python3
"""The Celery 5.2 peer of ferry-bench-celery: Python's send_task and a Celery worker on the
same broker as ferry's side (facts from the project's bench anchor 06_celery.py).

Run with Debian's Python (python3-celery, python3-redis):

    /usr/bin/python3 tests/bench/peers/celery/celery_peer.py --broker-url redis://127.0.0.1:6379/6 \
        --control-url redis://127.0.0.1:6379/8 --pool solo [--backend-url redis://127.0.0.1:6379/7]

One run = one broker x one result setting x one pool:
  send   app.send_task('bench.add', args=[i, i]) N times with no worker running; with a result
         backend Celery also SUBSCRIBEs to each task's result channel (its Redis backend does
         that for every AsyncResult it returns)                         -> bench=celery.send
  drain  then a worker (`celery worker --pool solo`, or `--pool prefork -c 2`) is started on
         the N queued tasks plus a sentinel queued last; the clock runs from the worker's
         worker_ready signal to the end of the sentinel                 -> bench=celery.drain
Prints: bench=celery.<send|drain> side=celery value=<tasks/s> unit=tasks/s n=.. seconds=..
        pool=.. broker=<redis|amqp> backend=<0|1> [unfinished=1]
Worker flags: -l WARNING --without-gossip --without-mingle --without-heartbeat; everything else
is Celery's default (prefetch multiplier 4, early ack). Stock kombu 5.2.4 can leave a solo
worker on RabbitMQ asleep in epoll with its acks queued (up to 10 s at a time): a drain that
has not ended after --max-seconds is estimated from the queue depth left and marked unfinished=1.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--broker-url", required=True)
    p.add_argument("--backend-url", default="")
    p.add_argument("--control-url", required=True, help="redis URL for the worker's timestamps")
    p.add_argument("--queue", default="bench.celery")
    p.add_argument("--pool", choices=("solo", "prefork2"), default="solo")
    p.add_argument("-n", "--tasks", type=int, default=5000)
    p.add_argument("--max-seconds", type=float, default=30.0)
    return p.parse_args()


args = parse_args()
# kombu wants the default vhost as "//", ferry's URLs spell it %2F.
broker_url = args.broker_url.replace("/%2F", "//")
os.environ.update(FERRY_BENCH_BROKER=broker_url, FERRY_BENCH_BACKEND=args.backend_url,
                  FERRY_BENCH_QUEUE=args.queue, FERRY_BENCH_CONTROL=args.control_url)
sys.path.insert(0, HERE)

import redis  # noqa: E402

from bench_app import CONTROL_LIST, app  # noqa: E402

IS_REDIS = broker_url.startswith("redis")
control = redis.Redis.from_url(args.control_url)


def queue_depth():
    if IS_REDIS:  # kombu's Redis transport: a plain list (priority 0)
        return redis.Redis.from_url(broker_url).llen(args.queue)
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(args.queue, passive=True).message_count


def purge():
    with app.connection_for_write() as conn:
        try:
            conn.default_channel.queue_purge(args.queue)
        except Exception:  # the queue does not exist yet
            pass


def wait_stamp(what, deadline):
    """Blocks on the control list until the worker pushes `what`; its time, or None."""
    while True:
        left = deadline - time.time()
        if left <= 0:
            return None
        got = control.blpop([CONTROL_LIST], timeout=max(1, int(left)))
        if got is None:
            continue
        name, stamp = got[1].decode().split()
        if name == what:
            return float(stamp)


def start_worker():
    cmd = [sys.executable, "-m", "celery", "-A", "bench_app", "worker", "-Q", args.queue,
           "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
           "-n", f"ferry-bench-{args.pool}@localhost"]
    cmd += ["--pool", "solo"] if args.pool == "solo" else ["--pool", "prefork", "-c", "2"]
    log = tempfile.NamedTemporaryFile(prefix="ferry-bench-celery-", suffix=".log", delete=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    proc = subprocess.Popen(cmd, cwd=HERE, env=env, stdout=log, stderr=log, start_new_session=True)
    log.close()
    return proc, log.name


def stop_worker(proc, log_path):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the session started above: the worker and its pool
        proc.wait(timeout=5)
    with open(log_path, errors="replace") as f:
        text = f.read()
    os.unlink(log_path)
    if "Traceback" in text or "ERROR" in text or "CRITICAL" in text:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        print(f"# celery worker reported an error: {lines[-1][:300]}", file=sys.stderr)


def line(bench, value, n, seconds, extra=""):
    print(f"bench=celery.{bench} side=celery value={value:.1f} unit=tasks/s n={n} "
          f"seconds={seconds:.3f} pool={args.pool} broker={'redis' if IS_REDIS else 'amqp'} "
          f"backend={1 if args.backend_url else 0}{extra}", flush=True)


def main():
    n = args.tasks
    purge()
    control.delete(CONTROL_LIST)
    t0 = time.perf_counter()
    for i in range(n):
        app.send_task("bench.add", args=[i, i])
    send_s = time.perf_counter() - t0
    app.send_task("bench.done")
    line("send", n / send_s, n, send_s)

    proc, log_path = start_worker()
    try:
        deadline = time.time() + args.max_seconds + 30  # start-up may take a few seconds
        ready = wait_stamp("ready", deadline)
        if ready is None:
            raise SystemExit("celery worker never became ready")
        done = wait_stamp("done", ready + args.max_seconds)
        if done is None:
            executed = n - queue_depth()
            line("drain", executed / args.max_seconds, n, args.max_seconds, " unfinished=1")
        else:
            line("drain", n / (done - ready), n, done - ready)
    finally:
        stop_worker(proc, log_path)
        purge()


if __name__ == "__main__":
    main()
