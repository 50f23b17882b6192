'use strict';
// rate-limiter-flexible peer of ferry-bench-ratelimit: RateLimiterRedis.consume() on one
// ioredis connection. RateLimiterRedis is a FIXED window (one EVALSHA per consume). The
// limit is never reached (1e9 points per hour), so every consume takes the write path.
// `--concurrency C` runs C async loops sharing the connection (C requests in flight).
//   node ratelimit_flexible.js --port 6379 --db 10 --requests 20000 --concurrency 50
// Prints: bench=ratelimit.rlflex_c<C> side=rlflex value=<decisions/s> unit=decisions/s
const IORedis = require('ioredis');
const { RateLimiterRedis } = require('rate-limiter-flexible');
const { args, now } = require('./common');

const a = args({ port: 6379, db: 10, requests: 20000, concurrency: 1 });

(async () => {
  const client = new IORedis({ host: '127.0.0.1', port: a.port, db: a.db });
  const keyPrefix = `ferry-bench-rlf-${process.pid}`;
  const limiter = new RateLimiterRedis({ storeClient: client, keyPrefix, points: 1e9, duration: 3600 });
  for (let i = 0; i < 500; i++) await limiter.consume('warm', 1);
  let issued = 0;
  async function loop() {
    while (issued < a.requests) {
      issued++;
      await limiter.consume('user-1', 1);
    }
  }
  const t0 = now();
  await Promise.all(Array.from({ length: a.concurrency }, loop));
  const el = now() - t0;
  console.log(`bench=ratelimit.rlflex_c${a.concurrency} side=rlflex value=${(a.requests / el).toFixed(0)} unit=decisions/s`);
  await client.del(`${keyPrefix}:warm`, `${keyPrefix}:user-1`);
  await client.quit();
})().catch((e) => { console.error(e); process.exit(1); });
