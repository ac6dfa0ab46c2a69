// Load two npm email verifiers against the bench Rig, like LibraryLoad does for reacher-java.
// Loopback only; bounded in count. Usage:
//   node compare.mjs --pkg devmehq|email-verify --dns 127.0.0.1:PORT --port SMTP_PORT --n 3000 --concurrency 50
//                    [--warmup 1000]
import dns from 'node:dns';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const pkg = args.pkg ?? 'devmehq';
const n = Number(args.n ?? 3000);
const concurrency = Number(args.concurrency ?? 50);
const warmup = Number(args.warmup ?? 1000);
const port = Number(args.port);
const dnsServer = args.dns;
if (!port || !dnsServer || !/^127\./.test(dnsServer)) {
  console.error('need --port and a loopback --dns'); process.exit(2);
}
dns.setServers([dnsServer]);
dns.promises.setServers([dnsServer]);

const domains = ['rig-one.test', 'rig-two.test', 'rig-three.test', 'rig-four.test'];
// The same mix as LibraryLoad: half alice@ (exists), half unknown.user@ (does not).
const emailFor = (i) => (i % 2 === 0 ? 'alice@' : 'unknown.user@') + domains[Math.floor(i / 2) % domains.length];

let verify;
if (pkg === 'devmehq') {
  const lib = await import('@devmehq/email-validator-js');
  verify = async (email) => {
    lib.clearAllCaches(); // no MX or SMTP cache: every call does the whole job, as reacher-java does
    const r = await lib.verifyEmail({ emailAddress: email, verifyMx: true, verifySmtp: true, smtpPort: port, timeout: 30000 });
    return r.validSmtp === true ? 'deliverable' : r.validSmtp === false ? 'undeliverable' : 'unknown';
  };
} else {
  const require = createRequire(import.meta.url);
  const ev = require('email-verify');
  verify = (email) => new Promise((resolve) => ev.verify(email,
    { port, dns: dnsServer, sender: 'probe@client.test', fqdn: 'probe.test', timeout: 30000 },
    (err, info) => resolve(err ? 'error' : info.success ? 'deliverable' : 'undeliverable')));
}

async function run(count) {
  const lat = new Array(count);
  const verdicts = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const s = performance.now();
      const v = await verify(emailFor(i));
      lat[i] = performance.now() - s;
      verdicts[v] = (verdicts[v] ?? 0) + 1;
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.max(0, Math.ceil(p * count) - 1)].toFixed(1);
  const cpu = process.cpuUsage();
  return { line: `${count} in ${wall.toFixed(2)} s = ${(count / wall).toFixed(1)}/s; latency ms p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${lat[count - 1].toFixed(1)} ${JSON.stringify(verdicts)}`, cpu };
}

console.log(`node ${process.version}, ${pkg}, ${n} verifications, concurrency ${concurrency}`);
if (warmup > 0) await run(warmup);
const before = process.cpuUsage();
const r = await run(n);
const used = process.cpuUsage(before);
console.log(`RESULT ${pkg} ${r.line}`);
console.log(`CPU per verification (this node process): ${((used.user + used.system) / n).toFixed(0)} us`);
