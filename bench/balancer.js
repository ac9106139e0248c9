'use strict';
// The balancer scenario of `npm run bench` (BENCH_ONLY=balancer): the cost of each hop. One instance
// direct, then one, two and three instances behind HAProxy (Debian's package), all on one
// PostgreSQL and a Redis of the scenario's own. At a fixed moderate rate: send→deliver p50/p99 for
// pairs on one instance and pairs split over two, CPU seconds per 1,000 messages of every instance,
// of HAProxy and of Redis (each pid's own counters in /proc).
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { io } = require('socket.io-client');
const lib = require('./lib');

const PAIRS = 100;
const RATE = Number(process.env.BENCH_BALANCER_RATE || 1000);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS || 3);

async function waitUntil(probe, what) {
  for (let i = 0; i < 200; i++) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await lib.sleep(100);
  }
  throw new Error(`${what}: not ready`);
}

async function startRedis() {
  const port = await lib.freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitUntil(() => execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() === 'PONG', 'redis');
  return { url: `redis://127.0.0.1:${port}`, proc, stop: () => proc.kill('SIGTERM') };
}

/** HAProxy in front of `servers` ({ name, port }): round robin, checks on /health, `?server=` pins. */
async function startHaproxy(servers) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-haproxy-'));
  const port = await lib.freePort();
  const cfg = [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    'frontend chat',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  timeout check 3s',
    '  default-server check inter 1s fall 3',
    ...servers.map((s) => `  use-server ${s.name} if { urlp(server) -m str ${s.name} }`),
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  const proc = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/health`)).status === 200, 'haproxy');
  return {
    url,
    proc,
    stop: () => {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function connect(url, token, pin) {
  return new Promise((ok, fail) => {
    const socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 20000,
      query: pin ? { server: pin } : {},
    });
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', fail);
  });
}

const cpuOf = (procs) => procs.map((p) => lib.procStats(p.pid).cpuSeconds);
const per1000 = (seconds, messages) => (messages ? Math.round((seconds / messages) * 1000 * 1000) / 1000 : null);

/**
 * One setup: `instances` services (0 = one instance, direct), sender and receiver placed as
 * `placement` says ('same': both on app1; 'cross': sender on app1, receiver on app2).
 */
async function step({ label, instances, placement }, ctx) {
  const { users, chatIds, dbUrl, redis, openLoop, seconds, log } = ctx;
  const direct = instances === 0;
  const services = [];
  for (let i = 0; i < Math.max(1, instances); i++) services.push(await lib.startService({ DATABASE_URL: dbUrl, REDIS_URL: redis.url }));
  const haproxy = direct ? null : await startHaproxy(services.map((s, i) => ({ name: `app${i + 1}`, port: new URL(s.url).port })));
  const url = direct ? services[0].url : haproxy.url;
  const sockets = [];
  try {
    const pairs = [];
    for (let i = 0; i < PAIRS; i++) {
      const sender = await connect(url, users[2 * i].token, direct ? null : 'app1');
      const receiver = await connect(url, users[2 * i + 1].token, direct ? null : placement === 'cross' ? 'app2' : 'app1');
      sockets.push(sender, receiver);
      pairs.push({ chatId: chatIds[i], sender, receiver });
    }
    await lib.sleep(1000);
    // Fresh processes each setup: a warm-up (not counted) so that the JIT's first seconds are not measured.
    await openLoop(pairs, RATE, WARMUP_SECONDS);
    await lib.sleep(500);
    log(`balancer: ${label} at ${RATE}/s`);
    const procs = [...services.map((s) => s.proc), redis.proc, ...(haproxy ? [haproxy.proc] : [])];
    const before = cpuOf(procs);
    const r = await openLoop(pairs, RATE, seconds);
    const used = cpuOf(procs).map((c, i) => c - before[i]);
    const instanceCpu = used.slice(0, services.length);
    return {
      label,
      instances: Math.max(1, instances),
      behindBalancer: !direct,
      placement,
      acked: r.acked,
      delivered: r.delivered,
      ack: r.ack,
      deliver: r.deliver,
      cpuPer1000: {
        instances: per1000(
          instanceCpu.reduce((a, b) => a + b, 0),
          r.acked,
        ),
        perInstance: instanceCpu.map((c) => per1000(c, r.acked)),
        redis: per1000(used[services.length], r.acked),
        haproxy: haproxy ? per1000(used[services.length + 1], r.acked) : null,
      },
    };
  } finally {
    for (const s of sockets) s.close();
    haproxy?.stop();
    await Promise.all(services.map((s) => s.stop()));
  }
}

async function balancerScenario(results, { openLoop, seconds, log }) {
  const dbUrl = await lib.createDatabase();
  const redis = await startRedis();
  const db = lib.newPool(dbUrl, 4);
  try {
    // The first start runs the migrations; the steps then seed through the database.
    const first = await lib.startService({ DATABASE_URL: dbUrl, REDIS_URL: redis.url });
    await first.stop();
    const users = await lib.seedUsers(db, PAIRS * 2, 'l');
    const chatIds = [];
    for (let i = 0; i < PAIRS; i++) chatIds.push(await lib.seedChat(db, 'direct', [users[2 * i], users[2 * i + 1]]));
    const ctx = { users, chatIds, dbUrl, redis, openLoop, seconds, log };
    const steps = [
      { label: 'one instance, direct', instances: 0, placement: 'same' },
      { label: 'one instance behind HAProxy', instances: 1, placement: 'same' },
      { label: 'two behind HAProxy, same instance', instances: 2, placement: 'same' },
      { label: 'two behind HAProxy, cross-instance', instances: 2, placement: 'cross' },
      { label: 'three behind HAProxy, same instance', instances: 3, placement: 'same' },
      { label: 'three behind HAProxy, cross-instance', instances: 3, placement: 'cross' },
    ];
    results.balancer = { rate: RATE, pairs: PAIRS, seconds, steps: [] };
    for (const s of steps) results.balancer.steps.push(await step(s, ctx));
  } finally {
    await db.end();
    redis.stop();
    await lib.dropDatabase(dbUrl);
  }
}

function balancerMarkdown(b) {
  const lines = [
    `Balancer (BENCH_ONLY=balancer): ${b.rate} msgs/s offered for ${b.seconds} s (after ${WARMUP_SECONDS} s not counted) over ${b.pairs} 1:1 pairs, HAProxy ${'(Debian)'}, Redis of its own; CPU-s per 1,000 messages.`,
    '',
    '| setup | acked / delivered | ack p50 / p99 ms | deliver p50 / p99 ms | instances CPU-s (each) | Redis CPU-s | HAProxy CPU-s |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of b.steps)
    lines.push(
      `| ${s.label} | ${s.acked} / ${s.delivered} | ${s.ack.p50} / ${s.ack.p99} | ${s.deliver.p50} / ${s.deliver.p99} | ${s.cpuPer1000.instances} (${s.cpuPer1000.perInstance.join(', ')}) | ${s.cpuPer1000.redis} | ${s.cpuPer1000.haproxy ?? '–'} |`,
    );
  lines.push('');
  return lines;
}

module.exports = { balancerScenario, balancerMarkdown };
