'use strict';
// Shared by the Node peers: "--name value" arguments (numbers) and a monotonic clock in seconds.
function args(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i + 1 < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults)) throw new Error(`unknown option --${key}`);
    out[key] = typeof defaults[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}
function now() { return Number(process.hrtime.bigint()) / 1e9; }
module.exports = { args, now };
