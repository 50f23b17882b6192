#!/usr/bin/python3
"""The pika peer of ferry-bench-amqp: pika BlockingConnection, durable classic queue,
persistent 256-byte messages (from the project's bench anchors, 05_amqp_pika.py).

Run with Debian's Python (python3-pika):

    /usr/bin/python3 tests/bench/peers/amqp_pika.py --url amqp://guest:guest@127.0.0.1:5672/%2F \
        --shape publish_confirm_each

Shapes (one per run, so scripts/bench can interleave them with ferry's):
  publish_noconfirm     basic_publish(delivery_mode=2) N_PUB times; the clock stops when a
                        passive queue_declare reports all of them in the queue
  publish_confirm_each  the same on a channel with confirm_delivery(): each publish waits for
                        its ack (one in flight)
  consume_prefetch1     N_CONS pre-filled messages (untimed), basic_consume with a manual
  consume_prefetch100   basic_ack per message, basic_qos(prefetch_count=1 / 100)
Prints one line: bench=amqp.<shape> side=peer value=<msgs/s> unit=msgs/s n=.. seconds=..
Knobs (env, or flags): AMQP_URL, SHAPE, N_PUB (30000), N_CONF (5000), N_CONS (20000),
MAX_S (15, per timed phase), BODY_BYTES (256), QUEUE (bench.pika.classic).
"""
import argparse
import os
import time

import pika

SHAPES = ("publish_noconfirm", "publish_confirm_each", "consume_prefetch1", "consume_prefetch100")


def env_int(name, default):
    return int(os.environ.get(name, default))


def publish_many(ch, queue, body, props, n, max_s):
    t0 = time.perf_counter()
    deadline = t0 + max_s
    sent = 0
    while sent < n:
        ch.basic_publish("", queue, body, props)
        sent += 1
        if (sent & 255) == 0 and time.perf_counter() > deadline:
            break
    # The broker enqueues asynchronously: wait (bounded) until the queue holds them all.
    settle = time.perf_counter() + 5
    while True:
        depth = ch.queue_declare(queue, passive=True).method.message_count
        if depth >= sent or time.perf_counter() > settle:
            break
        time.sleep(0.002)
    return sent, time.perf_counter() - t0


def consume(conn, ch, queue, prefetch, n, max_s):
    ch.basic_qos(prefetch_count=prefetch)
    state = {"n": 0}

    def on_msg(chan, method, props, body):
        chan.basic_ack(method.delivery_tag)
        state["n"] += 1

    t0 = time.perf_counter()
    deadline = t0 + max_s
    tag = ch.basic_consume(queue, on_msg, auto_ack=False)
    while state["n"] < n and time.perf_counter() < deadline:
        conn.process_data_events(time_limit=0.2)
    el = time.perf_counter() - t0
    ch.basic_cancel(tag)
    return state["n"], el


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    ap.add_argument("--shape", default=os.environ.get("SHAPE", "publish_confirm_each"), choices=SHAPES)
    ap.add_argument("--messages", type=int, default=None)
    ap.add_argument("--max-seconds", type=float, default=float(env_int("MAX_S", 15)))
    ap.add_argument("--queue", default=os.environ.get("QUEUE", "bench.pika.classic"))
    args = ap.parse_args()

    body = b"x" * env_int("BODY_BYTES", 256)
    props = pika.BasicProperties(delivery_mode=2, content_type="application/octet-stream")
    conn = pika.BlockingConnection(pika.URLParameters(args.url))
    ch = conn.channel()
    ch.queue_declare(args.queue, durable=True, arguments={"x-queue-type": "classic"})
    ch.queue_purge(args.queue)

    shape = args.shape
    if shape == "publish_noconfirm":
        n, el = publish_many(ch, args.queue, body, props, args.messages or env_int("N_PUB", 30000),
                             args.max_seconds)
    elif shape == "publish_confirm_each":
        cch = conn.channel()
        cch.confirm_delivery()
        n, el = publish_many(cch, args.queue, body, props, args.messages or env_int("N_CONF", 5000),
                             args.max_seconds)
        cch.close()
    else:
        filled, _ = publish_many(ch, args.queue, body, props,
                                 args.messages or env_int("N_CONS", 20000), args.max_seconds)
        n, el = consume(conn, ch, args.queue, 1 if shape == "consume_prefetch1" else 100, filled,
                        args.max_seconds)

    ch.queue_delete(args.queue)
    conn.close()
    print(f"bench=amqp.{shape} side=peer value={n / el:.0f} unit=msgs/s n={n} seconds={el:.3f}",
          flush=True)


if __name__ == "__main__":
    main()
