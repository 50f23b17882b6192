"""Celery app for ferry's integration tests: the Python side of the wire.

Broker (redis:// or amqp://) and backend come from CELERY_BROKER_URL / CELERY_RESULT_BACKEND;
the visibility timeout from FERRY_VISIBILITY_TIMEOUT (same value on the ferry side); on RabbitMQ
FERRY_MAX_PRIORITY sets task_queue_max_priority (the same x-max-priority ferry declares).
"""
import os
import time

from celery import Celery

app = Celery("app", broker=os.environ["CELERY_BROKER_URL"],
             backend=os.environ["CELERY_RESULT_BACKEND"])
vt = int(os.environ.get("FERRY_VISIBILITY_TIMEOUT", "3600"))
app.conf.update(
    broker_transport_options={"visibility_timeout": vt},
    task_default_queue=os.environ.get("FERRY_QUEUE", "celery"),
    worker_hijack_root_logger=False,
    accept_content=["json"],
)
if os.environ.get("FERRY_MAX_PRIORITY"):
    app.conf.task_queue_max_priority = int(os.environ["FERRY_MAX_PRIORITY"])


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.mul")
def mul(x, y):
    return x * y


@app.task(name="tasks.echo")
def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


@app.task(name="tasks.fail")
def fail(msg):
    raise ValueError(msg, 42)


@app.task(name="tasks.sleep_record")
def sleep_record(key, seconds):
    """Sleeps, then records that it ran (used by the shared-queue kill test)."""
    time.sleep(seconds)
    return {"ran_by": "python", "key": key}
