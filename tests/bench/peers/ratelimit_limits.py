#!/usr/bin/env python3
"""Python `limits` peer of ferry-bench-ratelimit: MovingWindowRateLimiter over RedisStorage.

The moving window keeps a Redis LIST of timestamps per key and runs one Lua script per hit()
(LINDEX at position `limit`, then LPUSH + LTRIM + EXPIRE). Sequential only: `limits` has no
way to keep several hits in flight. The limit is never reached (1e9/hour, every hit takes
the write path). Debian package python3-limits; run with /usr/bin/python3.

  /usr/bin/python3 ratelimit_limits.py --port 6379 --db 10 --requests 20000
Prints: bench=ratelimit.limits_c1 side=limits value=<decisions/s> unit=decisions/s
"""
import argparse
import os
import time

from limits import parse, storage, strategies


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--db", type=int, default=10)
    p.add_argument("--requests", type=int, default=20000)
    a = p.parse_args()
    st = storage.RedisStorage(f"redis://127.0.0.1:{a.port}/{a.db}")
    lim = strategies.MovingWindowRateLimiter(st)
    item = parse("1000000000/hour")
    key = f"ferry-bench-limits-{os.getpid()}"
    for _ in range(500):
        lim.hit(item, key, "warm")
    t0 = time.perf_counter()
    for _ in range(a.requests):
        lim.hit(item, key)
    el = time.perf_counter() - t0
    print(f"bench=ratelimit.limits_c1 side=limits value={a.requests / el:.0f} unit=decisions/s")
    lim.clear(item, key)
    lim.clear(item, key, "warm")


if __name__ == "__main__":
    main()
