#!/usr/bin/python3
"""The Python peer of ferry-email-worker, as a Python shop typically writes it: pika
BlockingConnection, basic_qos(prefetch_count=1), manual ack after processing; the stdlib
`email` parser; bleach for the HTML; attachments stored by content hash; sqlite3 for the
record. It does the same work as ferry-email-worker on the same queue body
({"message_id": .., "email_data": ..}, written by ferry-ingest) and the same schema
(apps/common/sql/schema.sqlite.sql), so tests/bench/email_bench.py can time both.

Per message: load the record (acked untouched if already processed), parse the raw mail,
sanitise the HTML body with an allowlist equal to ferry::mail::default_policy(), write each
attachment to <root>/ab/cd/<sha256> (temporary file, fsync, rename; skipped when present),
then UPDATE the record (is_processed = 1) and INSERT the attachment rows in one transaction,
then basic_ack. A message that cannot be processed is marked failed and rejected.
The SQLite connection uses ferry's settings: WAL, synchronous=NORMAL, foreign keys on.
No Redis cache invalidation (ferry-email-worker runs without REDIS_URL in the benchmark too).

Environment (the deployment's names): RABBITMQ_URL, RABBITMQ_QUEUE, DB_PATH (SQLite file),
ATTACHMENT_STORAGE_PATH. Stops on SIGTERM/SIGINT.
"""
import email
import email.policy
import hashlib
import json
import os
import signal
import sqlite3
import sys
import time

import bleach
import pika

# ferry::mail::default_policy(), as bleach arguments.
TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
}
GLOBAL_ATTRS = ["title", "dir", "lang", "align", "valign"]
TAG_ATTRS = {
    "a": ["href"],
    "img": ["src", "alt", "width", "height", "border"],
    "table": ["border", "cellpadding", "cellspacing", "width", "bgcolor", "summary"],
    "td": ["colspan", "rowspan", "width", "height", "bgcolor", "nowrap"],
    "th": ["colspan", "rowspan", "width", "height", "bgcolor", "nowrap", "scope"],
    "tr": ["bgcolor"], "col": ["span", "width"], "colgroup": ["span", "width"],
    "font": ["color", "size", "face"], "ol": ["start", "type", "reversed"], "ul": ["type"],
    "li": ["value"], "hr": ["width", "size", "noshade"], "blockquote": ["cite"], "q": ["cite"],
    "del": ["cite", "datetime"], "ins": ["cite", "datetime"], "time": ["datetime"],
}
ATTRS = {"*": GLOBAL_ATTRS, **{t: GLOBAL_ATTRS + a for t, a in TAG_ATTRS.items()}}
CLEANER = bleach.sanitizer.Cleaner(tags=TAGS, attributes=ATTRS,
                                   protocols={"http", "https", "mailto", "cid"}, strip=True,
                                   strip_comments=True)


def store_attachment(root: str, data: bytes):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, digest[0:2], digest[2:4], digest)
    if os.path.isfile(path):
        return digest, path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    return digest, path


def safe_filename(name):
    name = os.path.basename((name or "").replace("\\", "/")).strip().lstrip(".")
    return name or "attachment"


class Worker:
    def __init__(self):
        self.db = sqlite3.connect(os.environ["DB_PATH"], timeout=5, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.root = os.environ.get("ATTACHMENT_STORAGE_PATH", "/var/lib/logging-email/attachments")
        self.processed = 0

    def process(self, job):
        row = self.db.execute("SELECT is_processed FROM messages WHERE id = ?",
                              (job["message_id"],)).fetchone()
        if row is None:
            raise LookupError(f"no message record {job['message_id']}")
        if row[0]:
            return  # a redelivery: already done
        msg = email.message_from_string(job["email_data"], policy=email.policy.default)
        sender = msg["from"].addresses[0].addr_spec if msg["from"] else None
        to = ", ".join(a.addr_spec for a in msg["to"].addresses) if msg["to"] else None
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        safe_html = CLEANER.clean(html.get_content()) if html is not None else None
        atts = []
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True) or b""
            digest, path = store_attachment(self.root, data)
            atts.append((safe_filename(part.get_filename()), part.get_content_type(), len(data),
                         digest, path))
        date = str(msg["date"]) if msg["date"] is not None else None
        now = int(time.time())
        self.db.execute("BEGIN")
        try:
            self.db.execute(
                "UPDATE messages SET subject = ?, from_addr = ?, to_addrs = ?, date = ?, "
                "text_body = ?, html_body = ?, is_processed = 1, processed_at = ?, "
                "status = 'processed', error = NULL WHERE id = ? AND is_processed = 0",
                (str(msg["subject"] or ""), sender, to, date,
                 text.get_content() if text is not None else None, safe_html, now,
                 job["message_id"]))
            self.db.executemany(
                "INSERT INTO attachments(message_id, filename, content_type, size, sha256, "
                "storage_path) VALUES (?, ?, ?, ?, ?, ?)",
                [(job["message_id"],) + a for a in atts])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.processed += 1

    def on_message(self, ch, method, _props, body):
        job = None
        try:
            job = json.loads(body)
            self.process(job)
        except Exception as e:  # noqa: BLE001 - the worker must survive any bad message
            print(f"email_worker.py: message failed: {e!r}", file=sys.stderr, flush=True)
            if job and "message_id" in job:
                self.db.execute("UPDATE messages SET status = 'failed', error = ? "
                                "WHERE id = ? AND is_processed = 0", (repr(e), job["message_id"]))
            ch.basic_reject(method.delivery_tag, requeue=False)
            return
        ch.basic_ack(method.delivery_tag)


def main():
    worker = Worker()
    conn = pika.BlockingConnection(pika.URLParameters(
        os.environ.get("RABBITMQ_URL", "amqp://guest:guest@localhost:5672/%2F")))
    ch = conn.channel()
    queue = os.environ.get("RABBITMQ_QUEUE", "email_processing")
    ch.queue_declare(queue, durable=True)
    ch.basic_qos(prefetch_count=1)
    ch.basic_consume(queue, worker.on_message, auto_ack=False)

    def stop(*_):
        conn.add_callback_threadsafe(ch.stop_consuming)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ch.start_consuming()
    conn.close()
    print(f"email_worker.py: stopped: processed {worker.processed}", file=sys.stderr)


if __name__ == "__main__":
    main()
