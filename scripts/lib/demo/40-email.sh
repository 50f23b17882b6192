# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(ferry-ingest ferry-email-worker)

demo_email() {
section "Email path: ferry-ingest → RabbitMQ → ferry-email-worker → SQLite (apps/ingest, apps/email-worker)"
MAIL="$WORK/mail"
mkdir -p "$MAIL"
export DATABASE_URL="sqlite://$MAIL/mail.db" RABBITMQ_QUEUE="demo_email_processing" \
  ATTACHMENT_STORAGE_PATH="$MAIL/attachments" INGEST_SPOOL_DIR="$MAIL/spool" \
  INGEST_MAX_INLINE_BYTES=2048
INGEST="$BUILD/apps/ingest/ferry-ingest"
WORKER="$BUILD/apps/email-worker/ferry-email-worker"
# Three messages as Postfix's pipe(8) would hand them over: plain text, a hostile HTML mail with
# an attachment, and one above INGEST_MAX_INLINE_BYTES (spooled, queued by reference).
printf 'From: Ann <ann@example.org>\nTo: user@test.example\nSubject: plain hello\nMessage-ID: <demo-1@example.org>\n\nJust text.\n' \
  | "$INGEST" -v ann@example.org user@test.example
printf '%s\n' 'From: Mallory <mallory@evil.example>' 'To: user@test.example' \
  'Subject: totally safe invoice' 'Message-ID: <demo-2@evil.example>' 'MIME-Version: 1.0' \
  'Content-Type: multipart/mixed; boundary="b"' '' '--b' 'Content-Type: text/html' '' \
  '<p onclick="steal()">Pay <a href="javascript:alert(1)">here</a><script>alert(2)</script><img src=x onerror=alert(3)> <b>now</b></p>' \
  '--b' 'Content-Type: application/pdf' 'Content-Disposition: attachment; filename="../../invoice.pdf"' \
  'Content-Transfer-Encoding: base64' '' 'JVBERi0xLjQKJSBkZW1vIGludm9pY2UK' '--b--' \
  | "$INGEST" -v mallory@evil.example user@test.example
{ printf 'From: bob@example.org\nTo: user@test.example\nSubject: big one\nMessage-ID: <demo-3@example.org>\n\n'
  head -c 6000 /dev/zero | tr '\0' 'x'; echo; } | "$INGEST" -v bob@example.org user@test.example
# The same mail again (Postfix retrying after a lost reply): no second record.
printf 'From: Ann <ann@example.org>\nTo: user@test.example\nSubject: plain hello\nMessage-ID: <demo-1@example.org>\n\nJust text.\n' \
  | "$INGEST" -v ann@example.org user@test.example
"$WORKER" >"$MAIL/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 1 100); do
  n=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM messages WHERE is_processed=1").fetchone()[0])' "$MAIL/mail.db")
  [ "$n" -ge 3 ] && break
  sleep 0.2
done
kill -TERM "$WORKER_PID" && wait "$WORKER_PID" || true
tail -n 1 "$MAIL/worker.log"
/usr/bin/python3 - "$MAIL/mail.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for mid, subj, frm, html, ref, done in db.execute(
        "SELECT id, subject, from_addr, html_body, raw_ref, is_processed FROM messages ORDER BY id"):
    print(f"#{mid} processed={done} from={frm} subject={subj!r}" + (f" (spooled: {ref})" if ref else ""))
    if html:
        print(f"    sanitised html: {html}")
    for name, ctype, path in db.execute(
            "SELECT filename, content_type, storage_path FROM attachments WHERE message_id = ?", (mid,)):
        print(f"    attachment {name} ({ctype}) -> {path}")
PY
unset DATABASE_URL RABBITMQ_QUEUE ATTACHMENT_STORAGE_PATH INGEST_SPOOL_DIR INGEST_MAX_INLINE_BYTES
}
