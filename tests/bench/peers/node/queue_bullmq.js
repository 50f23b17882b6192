'use strict';
// BullMQ worker peer of ferry-bench-queue: N pre-filled no-op jobs (queue.addBulk, 1000 per
// call, not timed; removeOnComplete) drained by one Worker with the given concurrency; the
// clock runs from Worker creation to the N-th 'completed' event.
//   node queue_bullmq.js --port 6379 --db 10 --jobs 20000 --concurrency 50
// Prints: bench=queue.worker_c<C> side=bullmq value=<jobs/s> unit=jobs/s
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');
const { args, now } = require('./common');

const a = args({ port: 6379, db: 10, jobs: 20000, concurrency: 1, 'max-seconds': 60 });
const connection = { host: '127.0.0.1', port: a.port, db: a.db };
const name = `ferry-bench-bullmq-${process.pid}`;

async function fill(queue, n) {
  for (let i = 0; i < n; i += 1000) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      jobs.push({ name: 'noop', data: { i: j }, opts: { removeOnComplete: true, removeOnFail: false } });
    }
    await queue.addBulk(jobs);
  }
}

function drain(n, concurrency) {
  return new Promise((resolve, reject) => {
    let completed = 0;
    const t0 = now();
    const w = new Worker(name, async () => 1, { connection, concurrency, autorun: true });
    const finish = () => {
      clearTimeout(timer);
      const el = now() - t0;
      w.close().then(() => resolve({ completed, el })).catch(reject);
    };
    const timer = setTimeout(finish, a['max-seconds'] * 1000);
    w.on('completed', () => { if (++completed === n) finish(); });
    w.on('error', (e) => console.error('worker error', e.message));
  });
}

(async () => {
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  await fill(queue, a.jobs);
  const r = await drain(a.jobs, a.concurrency);
  console.log(`bench=queue.worker_c${a.concurrency} side=bullmq value=${(r.completed / r.el).toFixed(0)} unit=jobs/s`);
  await queue.obliterate({ force: true });
  await queue.close();
  const admin = new IORedis(connection);
  await admin.quit();
})().catch((e) => { console.error(e); process.exit(1); });
