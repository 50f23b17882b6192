"""Python sends tasks (send_task and apply_async) and prints results as JSON lines.

usage: send.py <case> ; prints one JSON object on stdout. Exits 0 on success.
"""
import datetime
import json
import os
import sys

from celery import chain, signature

from app import app


def out(obj):
    print(json.dumps(obj))


def main():
    case = sys.argv[1]
    q = app.conf.task_default_queue
    if case == "args":
        r = app.send_task("tasks.echo", args=[1, "h\u00e9llo \u2603 \U0001F600", {"a": [1, {"b": None}]}],
                          kwargs={"k\u00fc": "v\u00e9", "n": {"x": [True, 1.5]}}, queue=q)
        out({"result": r.get(timeout=30)})
    elif case == "apply_async":
        r = app.signature("tasks.add", args=(2, 3)).apply_async(queue=q)
        out({"result": r.get(timeout=30)})
    elif case == "countdown":
        t0 = datetime.datetime.utcnow()
        r = app.send_task("tasks.add", args=[1, 1], countdown=2, queue=q)
        v = r.get(timeout=30)
        out({"result": v, "elapsed": (datetime.datetime.utcnow() - t0).total_seconds()})
    elif case == "priority":
        r = app.send_task("tasks.add", args=[10, 1], queue=q, priority=9)
        out({"result": r.get(timeout=30)})
    elif case == "expired":
        # On RabbitMQ the broker may drop it (expiration "0"): then nothing is ever stored.
        r = app.send_task("tasks.add", args=[1, 1], queue=q,
                          expires=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=10))
        try:
            r.get(timeout=float(os.environ.get("FERRY_EXPIRED_WAIT", "30")))
            out({"state": r.state})
        except Exception as e:  # TaskRevokedError, or TimeoutError when the broker dropped it
            out({"state": r.state, "exc": type(e).__name__, "msg": str(e)})
    elif case == "cxx_error":
        r = app.send_task("tasks.throw", args=["boom"], queue=q)
        try:
            r.get(timeout=30)
            out({"state": r.state})
        except Exception as e:
            out({"state": r.state, "exc": type(e).__name__, "args": list(e.args)})
    elif case == "retry":
        r = app.send_task("tasks.flaky", args=["k"], queue=q)
        out({"result": r.get(timeout=30), "state": r.state})
    elif case == "link":
        r = app.send_task("tasks.add", args=[2, 2], queue=q,
                          link=signature("tasks.mul", args=(10,), queue=q))
        v = r.get(timeout=30)
        child = r.children[0] if r.children else None
        out({"result": v, "child": child.get(timeout=30) if child else None})
    elif case == "chain":
        c = chain(signature("tasks.add", args=(1, 2), queue=q),
                  signature("tasks.mul", args=(10,), queue=q),
                  signature("tasks.add", args=(5,), queue=q))
        r = c.apply_async()
        out({"result": r.get(timeout=30)})
    elif case == "get":
        # get <task_id>: wait for a result ferry's worker stored
        r = app.AsyncResult(sys.argv[2])
        try:
            out({"result": r.get(timeout=30), "state": r.state})
        except Exception as e:
            out({"state": r.state, "exc": type(e).__name__, "args": [str(a) for a in e.args]})
    else:
        raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    main()
