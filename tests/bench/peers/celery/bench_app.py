"""The Celery app of the Celery peer (celery_peer.py): imported by the driver as the producer
and by `celery -A bench_app worker` as the worker.

Configured only from the environment, which celery_peer.py sets (names avoid the CELERY_
prefix, which the celery command line reads on its own):
  FERRY_BENCH_BROKER    broker URL, amqp://... or redis://...
  FERRY_BENCH_BACKEND   result backend URL; empty = no result backend
  FERRY_BENCH_QUEUE     the queue tasks are sent to and consumed from
  FERRY_BENCH_CONTROL   redis URL of the list the worker reports its timestamps to
"""
import os
import time

import redis
from celery import Celery
from celery.signals import worker_ready

QUEUE = os.environ.get("FERRY_BENCH_QUEUE", "bench.celery")
CONTROL_LIST = "ferry-bench:celery:stamps"

app = Celery("bench_app", broker=os.environ["FERRY_BENCH_BROKER"],
             backend=os.environ.get("FERRY_BENCH_BACKEND") or None)
# Everything else stays at Celery's defaults (prefetch multiplier 4, early acks, json).
app.conf.update(task_default_queue=QUEUE, worker_hijack_root_logger=False,
                broker_connection_retry_on_startup=True)

_control = None


def stamp(what):
    """Pushes "<what> <unix time>" to the control list the driver blocks on."""
    global _control
    if _control is None:
        _control = redis.Redis.from_url(os.environ["FERRY_BENCH_CONTROL"])
    _control.rpush(CONTROL_LIST, f"{what} {time.time():.6f}")


@app.task(name="bench.add")
def add(x, y):
    return x + y


@app.task(name="bench.done")
def done():
    """The sentinel, queued after the measured tasks: its run ends the drain clock."""
    stamp("done")
    return True


@worker_ready.connect
def _on_ready(sender=None, **kwargs):
    stamp("ready")
