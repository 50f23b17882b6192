# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(ferry-policyd)

demo_policy() {
section "Postfix policy service: ferry-policyd over SQLite through the Redis cache (apps/policy-service)"
POLICY_DB="$WORK/policy.db"
POLICYD="$BUILD/apps/policy-service/ferry-policyd"
read -r POLICY_PORT ADMIN_PORT < <(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
"$POLICYD" --db-url "$POLICY_DB" --init-db
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" address add alice@test.example --customer acme
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" address add bob@test.example --customer acme
# Rate limits: 3 accepted recipients per sender per minute (shared through Redis).
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" --listen "127.0.0.1:$POLICY_PORT" \
  --admin-listen "127.0.0.1:$ADMIN_PORT" --sender-limits 3/1m >"$WORK/policyd.log" 2>&1 &
POLICYD_PID=$!
ask() {  # ask RCPT [SENDER]: one Postfix policy request (as smtpd sends it at RCPT)
  /usr/bin/python3 - "$POLICY_PORT" "$1" "${2:-someone@example.org}" <<'PY'
import socket, sys, time
port, rcpt, sender = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for _ in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.1)
s.sendall(f"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.7\nsender={sender}\nrecipient={rcpt}\n\n".encode())
print(f"  MAIL FROM:<{sender}> RCPT TO:<{rcpt}> -> {s.recv(4096).decode().strip()}")
PY
}
cache_counts() {
  curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null |
    grep -E '^ferry_policy_(cache_(hits|near_hits|misses)_total|rate_limited_total)' \
    | tr '\n' ' ' || true
  echo
}
ask alice@test.example; ask carol@test.example; ask Alice@Test.example
echo "  cache: $(cache_counts)"
echo "  admin: address add carol@test.example (deletes policy:carol@test.example at once)"
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" address add carol@test.example --customer acme
ask carol@test.example
echo "  cache: $(cache_counts)"
echo "  rate limit --sender-limits 3/1m: the 4th accepted RCPT from bulk@example.org is deferred"
for rcpt in alice@test.example bob@test.example nobody@test.example carol@test.example alice@test.example; do
  ask "$rcpt" bulk@example.org
done
echo "  (nobody@ was rejected before the limit was looked at: it used none of the quota)"
echo "  counters: $(cache_counts)"
kill -TERM "$POLICYD_PID" && wait "$POLICYD_PID" || true
}
