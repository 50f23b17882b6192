#!/usr/bin/env python3
"""Load client for a Postfix SMTP access policy server (policy delegation).

Opens K TCP connections and sends N requests on each, one outstanding request
per connection and the connection kept open between requests -- the way each
Postfix smtpd(8) process talks to check_policy_service.  Reports requests/s
and latency percentiles.  Stdlib only; bounded by --requests and --max-seconds.

    policy-load.py [--host 127.0.0.1] [--port 10040] [-k 8] [-n 1000]
                   [--template FILE] [--reject-every 10] [--max-seconds 60]
                   [--recipients M]

The request body is taken from --template (default: sample-policy-request.txt
beside this script, i.e. a request captured from the harness Postfix); the
recipient= attribute is rewritten per request ("nobody-..." for every X-th one,
which the stand-in policy server rejects).  With --recipients M the recipients
cycle over load-0 .. load-(M-1) at --domain instead, so a server that knows
those addresses answers every request from its cache after the first M.
"""
import argparse
import math
import os
import socket
import sys
import threading
import time

BUILTIN_TEMPLATE = (
    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
    "client_address=127.0.0.1\nclient_name=localhost\nclient_port=40000\n"
    "reverse_client_name=localhost\nserver_address=127.0.0.1\nserver_port=2525\n"
    "helo_name=client.test.invalid\nsender=sender@example.org\n"
    "recipient=good@logging.email\nrecipient_count=0\nqueue_id=\n"
    "instance=1.2.3.0\nsize=0\netrn_domain=\nstress=\nsasl_method=\n"
    "sasl_username=\nsasl_sender=\nccert_subject=\nccert_issuer=\n"
    "ccert_fingerprint=\nccert_pubkey_fingerprint=\nencryption_protocol=\n"
    "encryption_cipher=\nencryption_keysize=0\npolicy_context=\n\n")


def load_template(path):
    if path is None:
        cand = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "sample-policy-request.txt")
        path = cand if os.path.exists(cand) else None
    text = open(path, encoding="utf-8").read() if path else BUILTIN_TEMPLATE
    lines = [l for l in text.split("\n") if l]        # drop the empty line(s)
    return [l for l in lines if not l.startswith("recipient=")], path or "(built-in)"


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = math.ceil(p / 100.0 * len(sorted_vals)) - 1      # nearest-rank
    return sorted_vals[min(len(sorted_vals) - 1, max(0, k))]


class Worker(threading.Thread):
    def __init__(self, idx, a, base, domain, deadline, start_evt):
        super().__init__(daemon=True)
        self.idx, self.a, self.base, self.domain = idx, a, base, domain
        self.deadline, self.start_evt = deadline, start_evt
        self.lat_ns, self.actions, self.errors = [], {}, []
        self.expect_ok = self.expect_bad = 0

    def run(self):
        a = self.a
        try:
            s = socket.create_connection((a.host, a.port), timeout=a.timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            self.errors.append("connect: %s" % e)
            return
        f = s.makefile("rb")
        head = ("\n".join(self.base) + "\n").encode()
        self.start_evt.wait()
        for i in range(a.requests):
            if time.monotonic() > self.deadline[0]:
                break
            n = self.idx * a.requests + i + 1
            reject = a.reject_every > 0 and n % a.reject_every == 0
            if a.recipients > 0:
                local = "load-%d" % (n % a.recipients)
            else:
                local = ("nobody-%d-%d" if reject else "load-%d-%d") % (self.idx, i)
            req = head + ("recipient=%s@%s\n\n" % (local, self.domain)).encode()
            t0 = time.perf_counter_ns()
            try:
                s.sendall(req)
                resp = []
                while True:
                    line = f.readline(4096)
                    if not line:
                        raise OSError("server closed connection")
                    if line in (b"\n", b"\r\n"):
                        break
                    resp.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            except OSError as e:
                self.errors.append("request %d: %s" % (i, e))
                break
            self.lat_ns.append(time.perf_counter_ns() - t0)
            action = next((r[7:] for r in resp if r.startswith("action=")), "(none)")
            verb = action.split(" ", 1)[0].upper()
            self.actions[verb] = self.actions.get(verb, 0) + 1
            if a.recipients > 0:
                pass                                     # fixed pool: no reject rule to check
            elif (verb in ("REJECT", "DEFER", "DEFER_IF_PERMIT") or verb[:1] in "45") == reject:
                self.expect_ok += 1
            else:
                self.expect_bad += 1
        try:
            s.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=int(os.environ.get("POLICY_PORT", "10040")))
    ap.add_argument("-k", "--connections", type=int, default=8)
    ap.add_argument("-n", "--requests", type=int, default=1000, help="per connection")
    ap.add_argument("--template", help="raw policy request to replay")
    ap.add_argument("--domain", default=os.environ.get("MAIL_DOMAIN", "logging.email"))
    ap.add_argument("--reject-every", type=int, default=10)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--recipients", type=int, default=0,
                    help="cycle over M fixed recipients load-0..load-(M-1) (0: a new one each request)")
    ap.add_argument("--timeout", type=float, default=10.0, help="socket timeout")
    a = ap.parse_args()
    if not (1 <= a.connections <= 1000 and 1 <= a.requests <= 1000000 and a.max_seconds <= 600):
        sys.exit("refusing: 1<=K<=1000, 1<=N<=1e6, max-seconds<=600")

    base, tpath = load_template(a.template)
    deadline = [float("inf")]
    start_evt = threading.Event()
    workers = [Worker(i, a, base, a.domain, deadline, start_evt) for i in range(a.connections)]
    for w in workers:
        w.start()
    time.sleep(0.2)                              # let all connections open
    t0 = time.monotonic()
    deadline[0] = t0 + a.max_seconds
    start_evt.set()
    for w in workers:
        w.join(a.max_seconds + a.timeout + 5)
    el = time.monotonic() - t0

    lat = sorted(x for w in workers for x in w.lat_ns)
    n = len(lat)
    actions = {}
    for w in workers:
        for k, v in w.actions.items():
            actions[k] = actions.get(k, 0) + v
    errors = [e for w in workers for e in w.errors]
    ok = sum(w.expect_ok for w in workers)
    bad = sum(w.expect_bad for w in workers)
    ms = lambda ns: ns / 1e6
    print("target=%s:%d template=%s" % (a.host, a.port, tpath))
    print("connections=%d requests/conn=%d completed=%d elapsed=%.3fs%s"
          % (a.connections, a.requests, n, el,
             " (stopped by --max-seconds)" if n < a.connections * a.requests and not errors else ""))
    print("throughput=%.0f requests/s" % (n / el if el > 0 else 0))
    if n:
        print("latency ms: p50=%.3f p90=%.3f p99=%.3f max=%.3f mean=%.3f"
              % (ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), ms(lat[-1]), ms(sum(lat) / n)))
    print("actions: %s" % ", ".join("%s=%d" % kv for kv in sorted(actions.items())))
    print("decisions matching the 'nobody*' -> reject rule: %d ok, %d not" % (ok, bad))
    if errors:
        print("errors (%d): %s" % (len(errors), "; ".join(errors[:5])))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
