#!/usr/bin/env python3
"""Regenerates tests/fuzz/corpus/<target>/: the inputs each fuzz target starts from.

They come from the project's captured wire data (tests/unit/data/celery: what Celery 5.2,
kombu and py-amqp really sent), its test mails (tests/unit/data/mail) and a few hand-written
inputs per target for what no capture holds (hostile HTML, RESP corner cases, Postfix
requests). Each input is named after a hash of its bytes, so re-running is idempotent.

    /usr/bin/python3 tests/fuzz/make_corpus.py      # then review and commit corpus/
"""
import base64
import hashlib
import json
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
DATA = FUZZ.parent / "unit" / "data"
CELERY = DATA / "celery"
CORPUS = FUZZ / "corpus"

corpora = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    corpora.setdefault(target, set()).add(bytes(data))


def fdp_strings(*parts):
    """Strings as FuzzedDataProvider::ConsumeRandomLengthString reads them: a backslash followed
    by another character ends one (a literal backslash is doubled)."""
    out = b""
    for p in parts:
        if isinstance(p, str):
            p = p.encode()
        out += p.replace(b"\\", b"\\\\") + b"\\ "
    return out


def captures(pattern):
    for path in sorted(CELERY.glob(pattern)):
        yield path.name, json.loads(path.read_text())


# --- Celery over Redis: kombu envelopes, unacked entries; result metas; ISO 8601 times ------------
times = set()
for name, d in captures("redis_send_*.json"):
    for m in d.get("messages", []):
        add("celery_kombu", m["raw_text"])
        env = m.get("envelope", {})
        for key in ("eta", "expires"):
            t = env.get("headers", {}).get(key)
            if isinstance(t, str):
                times.add(t)
        add("celery_json", base64.b64decode(env["body"]) if "body" in env else b"")
for name, d in captures("worker_redis_*.json"):
    sent = d.get("sent") or {}
    if "raw_lpush_text" in sent:
        add("celery_kombu", sent["raw_lpush_text"])
    for r in d.get("results", []):
        for p in r.get("published_in_order", []):
            add("celery_json", p["raw_text"])
            meta = json.loads(p["raw_text"])
            if isinstance(meta.get("date_done"), str):
                times.add(meta["date_done"])
for name, d in captures("redis_transport_visibility_restore.json"):
    for c in d["commands_basic_get_without_ack"]:
        if c["args"][:2] == ["HSET", "unacked"]:
            add("celery_kombu", c["args"][3])
    for c in d.get("commands_restore_visible_visibility_timeout_1s", []):
        if c["args"][0] in ("RPUSH", "LPUSH"):
            add("celery_kombu", c["args"][2])

for t in sorted(times):
    add("celery_iso8601", t)
for t in ["2026-11-22T15:54:35.606335+00:00", "2031-06-07T08:09:10+00:00",
          "2026-11-22 16:07:22.490491", "2026-11-22T16:07Z", "2026-11-22T16:07:22,5-0530",
          "2026-11-22T16:07:22.123456789+01", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59+2359"]:
    add("celery_iso8601", t)

# --- Celery over RabbitMQ: what py-amqp published and RabbitMQ delivered ---------------------------
def header_table(props):
    """The headers table inside encoded basic properties (flags, then the shortstrs before it)."""
    flags = struct.unpack(">H", props[:2])[0]
    off = 2
    for bit in (15, 14):  # content_type, content_encoding
        if flags & (1 << bit):
            off += 1 + props[off]
    if not flags & (1 << 13):
        return None
    length = struct.unpack(">I", props[off:off + 4])[0]
    return props[off:off + 4 + length]


for name, d in captures("amqp_send_*.json"):
    for frame in d.get("published", []) + d.get("delivered", []):
        payload = base64.b64decode(frame["content_header_frame_payload_b64"])
        props = payload[12:]  # class, weight, body size
        body = base64.b64decode(frame["body_b64"])
        add("amqp_table", b"\x01" + props)
        table = header_table(props)
        if table is not None:
            add("amqp_table", b"\x00" + table)
        add("celery_amqp", struct.pack(">H", len(props)) + props + body)
        add("celery_json", body)

# --- mail ------------------------------------------------------------------------------------
for eml in sorted((DATA / "mail").glob("*.eml")):
    add("mail_parse", eml.read_bytes())
add("mail_parse", "From: a@b\nSubject: =?utf-8?q?caf=C3=A9?=\nDate: Fri, 31 Dec 2027 23:59:59 +0000\n"
    "Content-Type: text/html; charset=iso-8859-1\n\n<p onclick=x>caf\xe9</p>\n")
add("mail_parse", "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
    "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
    "filename*=utf-8''..%2F..%2Fetc%2Fpasswd\nContent-Transfer-Encoding: base64\n\nAAEC\n--b--\n")

html = [
    '<p>Hello <b>world</b> <a href="https://example.org/x?y=1#z" title=t>link</a></p>',
    '<img src="cid:logo@x" alt=logo width=10><img src="data:image/png;base64,iVBORw0KGgo=">',
    "<table border=1><tr><td colspan=2 bgcolor=red>x</td></tr></table><ul><li>a<li>b</ul>",
    '<a href="java&#x09;script:alert(1)">x</a><a href=" javascript:alert(1)">y</a>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg><math><mi>x</mi></math>',
    "<<SCRIPT>alert(1)//<</SCRIPT><img src=x onerror=alert(1)><iframe src=//evil></iframe>",
    '<div style="background:url(javascript:alert(1))">s</div><p style="color:red">ok</p>',
    "<!--[if IE]><script>x</script><![endif]--><![CDATA[x]]><template><b>t</b></template>",
    '<form action="https://evil"><input name=a><button formaction="javascript:x">b</button></form>',
    "<base href=//evil/><meta http-equiv=refresh content=0;url=//evil><title>t</title>x",
    '<a href="HTTPS://EXAMPLE.ORG">u</a><a href="mailto:a@b">m</a><a href="#top">f</a>'
    '<a href="//example.org">r</a><a href="page.html">p</a>',
    "<p><div><table><p>x</table></div></p><b><i>mis</b>nested</i><font color=red size=2>f</font>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<select><option>a<style>x</style><plaintext><b>not bold",
]
for i, h in enumerate(html):
    add("html_sanitize", bytes([i * 7 % 64]) + h.encode())

# --- Postfix policy requests -------------------------------------------------------------------
rcpt = ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
        "client_address=192.0.2.1\nclient_name=mx.example\nreverse_client_name=mx.example\n"
        "helo_name=mx.example\nsender=a@b.example\nrecipient=known@test.example\n"
        "recipient_count=0\nqueue_id=\ninstance=123.456.7\nsize=0\netrn_domain=\nstress=\n"
        "sasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\nccert_issuer=\n"
        "ccert_fingerprint=\nencryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\n"
        "encryption_keysize=256\nserver_address=192.0.2.2\nserver_port=25\npolicy_context=\n\n")
add("policy_request", rcpt)
add("policy_request", rcpt + rcpt.replace("RCPT", "DATA"))
add("policy_request", rcpt.replace("\n", "\r\n"))
add("policy_request", "request=smtpd_access_policy\nprotocol_state=MAIL\nsender=\n\n")
add("policy_request", "request=smtpd_access_policy\nrecipient=" + "x" * 30 + "\r\n\n")
add("policy_request", "=novalue\n\n")
add("policy_request", "request=smtpd_access_policy\nrecipient=a\x00b\n\n")
add("policy_request", "a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\n\n")

# --- Redis replies ------------------------------------------------------------------------------
for wire in [b"+OK\r\n", b"-ERR unknown command 'x'\r\n", b":-42\r\n", b"$5\r\nhello\r\n",
             b"$-1\r\n", b"*-1\r\n", b"*0\r\n", b"$0\r\n\r\n", b"$3\r\na\x00b\r\n",
             b"*3\r\n$1\r\nx\r\n*2\r\n:1\r\n$-1\r\n+QUEUED\r\n",
             b"*2\r\n*2\r\n$4\r\nkey1\r\n$2\r\nv1\r\n*1\r\n:9223372036854775807\r\n",
             b"-WRONGPASS invalid username-password pair\r\n+PONG\r\n",
             b"%1\r\n+a\r\n:1\r\n~1\r\n#t\r\n,3.5\r\n(123\r\n=7\r\ntxt:abc\r\n_\r\n>1\r\n+p\r\n",
             b"*4294967296\r\n", b":1\r\n?what\r\n"]:
    add("redis_reply", wire)

# --- URLs (FuzzedDataProvider layout: user, p1, p2 strings, the rest, the scheme byte last) ---
for which, user, p1, p2, rest in [
        (0, "", "s3c?ret", "", "127.0.0.1:6379/0"),
        (0, "alice", "a/b", "#c", "cache.internal:6380/3?timeout=250ms&client_name=w"),
        (1, "u", "", "", "[::1]:6380/4?connect_timeout=1500ms"),
        (2, "", "x", "", "/run/redis.sock?db=2"),
        (3, "guest", "Amqp/", "Slash99", "127.0.0.1:5672/%2F?heartbeat=30"),
        (4, "u", "p:", "", "rabbit.example:5671/vh?verify=verify_none&cacertfile=/ca.pem"),
        (5, "app", "Pg/", "Slash88", "db.example:5432/mail?connect_timeout=5&sslmode=require"),
        (6, "user", "PW:179/0", "", "h"),
        (5, "app", "%2F", "%40", "[::1]/db")]:
    add("urls", fdp_strings(user, p1, p2) + rest.encode() + bytes([which]))

# --- admin API inputs (queue, id, error text, then the payload; the time from the end) -----------
for queue, ident, err, payload in [
        ("document", "0123456789abcdef0123456789abcdef", "ValueError: bad", b'{"n":1}'),
        ("email_processing", "msg-1@example", "boom", b"\xff\xfe binary \x00"),
        ("bad/name*", "../../etc", "\u00e9\n\"quoted\"", b"{}")]:
    add("admin_http", fdp_strings(queue, ident, err) + payload + b"\x00\x01\x02\x03\x04\x05\x06\x07")


def main():
    for target, items in sorted(corpora.items()):
        out = CORPUS / target
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for data in sorted(items):
            (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
        print(f"{target}: {len(items)} inputs")


if __name__ == "__main__":
    main()
