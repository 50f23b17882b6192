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
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" --listen "127.0.0.1:$POLICY_PORT" \
  --admin-listen "127.0.0.1:$ADMIN_PORT" >"$WORK/policyd.log" 2>&1 &
POLICYD_PID=$!
ask() {  # one Postfix policy request (as smtpd sends it at RCPT) on a fresh connection
  /usr/bin/python3 - "$POLICY_PORT" "$1" <<'PY'
import socket, sys, time
port, rcpt = int(sys.argv[1]), sys.argv[2]
for _ in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.1)
s.sendall(f"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.7\nsender=someone@example.org\nrecipient={rcpt}\n\n".encode())
print(f"  RCPT TO:<{rcpt}> -> {s.recv(4096).decode().strip()}")
PY
}
cache_counts() {
  curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null | grep -E '^ferry_policy_cache_(hits|misses)_total' \
    | tr '\n' ' ' || true
  echo
}
ask alice@test.example; ask carol@test.example; ask Alice@Test.example
echo "  cache: $(cache_counts)"
echo "  admin: address add carol@test.example (deletes policy:carol@test.example at once)"
"$POLICYD" --db-url "$POLICY_DB" --redis-url "$REDIS_URL" address add carol@test.example --customer acme
ask carol@test.example
echo "  cache: $(cache_counts)"
kill -TERM "$POLICYD_PID" && wait "$POLICYD_PID" || true
}
