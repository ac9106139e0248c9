'use strict';
// The adapters scenario of `npm run bench` (BENCH_ONLY=adapters): which socket.io adapter on a Redis
// Cluster. A real three-master cluster of its own (no replicas, no persistence); for each setup two
// bare socket.io servers (child processes: this file, run with ADAPTER_SETUP set), 200 senders on the
// first and their peers on the second, so that every message crosses through Redis. The setups:
//   sharded       @socket.io/redis-adapter createShardedAdapter, emitting as the service does (to the
//                 sender's and the recipient's user rooms at once: more than one room);
//   sharded-room  the same adapter, emitting to the recipient's room alone (one room per emit);
//   streams       @socket.io/redis-streams-adapter createAdapter, emitting as the service does.
// Open-loop steps of offered msgs/s, each setup in turn at each rate, twice (A, B, C, A, B, C), after
// a warm-up per setup that is not counted: send→deliver p50/p99, delivered/sent, CPU-s per 1,000
// messages of the two servers and of Redis (the three masters). Then packet loss while 500 msgs/s
// flow: a master SIGKILLed and started again empty, and the servers' Redis connections cut.
const { execFile, spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { promisify } = require('node:util');
const lib = require('./lib');

const PAIRS = 200;
const RATES = (process.env.BENCH_ADAPTERS_RATES || '1000,2000,4000,6000,8000,12000,16000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ADAPTERS_ROUNDS || 2);
const WARMUP = { rate: 1000, seconds: Number(process.env.BENCH_WARMUP_SECONDS || 3) };
const LOSS = {
  rate: Number(process.env.BENCH_ADAPTERS_LOSS_RATE || 500),
  seconds: 20,
  eventAtMs: 5000,
  // How long a killed master stays down before it is started again.
  downMs: Number(process.env.BENCH_ADAPTERS_DOWN_MS || 1000),
};
// `offlineQueue`: node-redis keeps commands issued while disconnected and sends them on reconnect
// (its default; the service turns it off). `steps: false`: in the loss runs only.
const SETUPS = [
  {
    name: 'sharded',
    adapter: 'sharded',
    emit: 'members',
    offlineQueue: false,
    label: 'sharded adapter as the service runs it: its emit to two user rooms, offline queue off',
  },
  {
    name: 'sharded-room',
    adapter: 'sharded',
    emit: 'room',
    offlineQueue: false,
    label: 'sharded adapter, one room per emit, offline queue off',
  },
  {
    name: 'streams',
    adapter: 'streams',
    emit: 'members',
    offlineQueue: true,
    label: 'streams adapter, the service’s emit, offline queue on (node-redis’s default, as its README)',
  },
  {
    name: 'sharded-queue',
    adapter: 'sharded',
    emit: 'members',
    offlineQueue: true,
    steps: false,
    label: 'sharded adapter, the service’s emit, offline queue on',
  },
  {
    name: 'streams-noqueue',
    adapter: 'streams',
    emit: 'members',
    offlineQueue: false,
    steps: false,
    label: 'streams adapter with the service’s client options (offline queue off)',
  },
].filter((s) => !process.env.BENCH_ADAPTERS_SETUPS || process.env.BENCH_ADAPTERS_SETUPS.split(',').includes(s.name));
// The service's reconnect (src/common/redis-connections.ts): at once, then back off.
const SOCKET_OPTIONS = { reconnectStrategy: (retries) => Math.min(retries * 100, 2000), connectTimeout: 3000 };
const SUSTAINED = { deliveredRatio: 0.99, deliverP99Ms: 100 };
const run = promisify(execFile);

/** A command on the node at `port` (redis-cli's output), without blocking the driver's event loop. */
async function cli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 });
  return stdout;
}

/** The bench's own three-master Redis Cluster, as test/support/redis-cluster.ts starts it. */
class Cluster {
  constructor(dir, ports) {
    this.dir = dir;
    this.ports = ports;
    this.procs = [];
  }

  static async start(masters = 3) {
    const ports = [];
    for (let i = 0; i < masters; i++) ports.push(await lib.freePort());
    const cluster = new Cluster(mkdtempSync(join(tmpdir(), 'bench-cluster-')), ports);
    try {
      for (let i = 0; i < masters; i++) await cluster.startNode(i);
      await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
        timeout: 30000,
      });
      await cluster.waitForOk();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  get urls() {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  }

  pids() {
    return this.procs.map((p) => p.pid);
  }

  /** The index of the master that holds `key`'s slot (a sharded channel's too: same hash). */
  async masterOf(key) {
    const slot = Number((await cli(this.ports[0], 'cluster', 'keyslot', key)).trim());
    const nodes = (await cli(this.ports[0], 'cluster', 'nodes')).split('\n');
    return this.ports.findIndex((port) =>
      nodes
        .find((l) => l.includes(`127.0.0.1:${port}@`))
        ?.split(' ')
        .slice(8)
        .some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from && slot <= to;
        }),
    );
  }

  async kill(i) {
    const proc = this.procs[i];
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((ok) => proc.once('exit', ok));
    proc.kill('SIGKILL');
    await exited;
  }

  /** SIGKILL master `i`, wait `downMs`, start it again on its port with its nodes.conf: it comes back empty. */
  async restart(i, downMs) {
    const killedAt = lib.nowMs();
    await this.kill(i);
    await lib.sleep(downMs);
    await this.startNode(i);
    const upAt = lib.nowMs();
    await this.waitForOk();
    return { killedAt, upMs: Math.round(upAt - killedAt), okMs: Math.round(lib.nowMs() - killedAt) };
  }

  /** Closes, on every master, each connection whose client name starts with `name` (CLIENT KILL ID). */
  async cut(names) {
    const cutAt = lib.nowMs();
    const counts = await Promise.all(
      this.ports.map(async (port) => {
        const ids = (await cli(port, 'client', 'list'))
          .split('\n')
          .filter((l) => names.some((n) => l.includes(` name=${n} `)))
          .map((l) => /(?:^|\s)id=(\d+)/.exec(l)[1]);
        await Promise.all(ids.map((id) => cli(port, 'client', 'kill', 'id', id)));
        return ids.length;
      }),
    );
    return { cutAt, connections: counts.reduce((a, b) => a + b, 0) };
  }

  async stop() {
    await Promise.all(this.ports.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async waitForOk(timeoutMs = 30000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.ports.map((p) => cli(p, 'cluster', 'info').catch(() => '')));
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > until) throw new Error('the bench’s Redis cluster is not ok');
      await lib.sleep(100);
    }
  }

  async startNode(i) {
    const port = this.ports[i];
    const dir = join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
    this.procs[i] = spawn('redis-server', [...args, '--save', '', '--appendonly', 'no'], { cwd: dir, stdio: 'ignore' });
    const until = Date.now() + 10000;
    while (!(await cli(port, 'ping').catch(() => '')).includes('PONG')) {
      if (Date.now() > until) throw new Error(`redis-server on port ${port} did not start`);
      await lib.sleep(50);
    }
  }
}

/**
 * The child process: a bare socket.io server (as bench/relay.js) with the setup's adapter on the
 * cluster. Every Redis connection is named REDIS_CLIENT_NAME, so the scenario can cut them.
 */
async function serve() {
  const { createCluster } = require('redis');
  const { Server } = require('socket.io');
  const setup = JSON.parse(process.env.ADAPTER_SETUP);
  const prefix = setup.name;
  const newCluster = async () => {
    const client = createCluster({
      rootNodes: process.env.REDIS_CLUSTER_URLS.split(',').map((url) => ({ url })),
      defaults: { socket: SOCKET_OPTIONS, disableOfflineQueue: !setup.offlineQueue, name: process.env.REDIS_CLIENT_NAME },
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  // As the service does (src/realtime/socket-io.adapter.ts): a (un)subscribe the adapter does not
  // await must not end the process while a master is down.
  process.on('unhandledRejection', () => undefined);
  let adapter;
  if (setup.adapter === 'sharded') {
    const { createShardedAdapter } = require('@socket.io/redis-adapter');
    const [pub, sub] = await Promise.all([newCluster(), newCluster()]);
    adapter = createShardedAdapter(pub, sub, { channelPrefix: prefix });
  } else {
    const { createAdapter } = require('@socket.io/redis-streams-adapter');
    adapter = createAdapter(await newCluster(), { streamName: prefix, channelPrefix: prefix, useShardedPubSub: true });
  }
  let ready = false;
  const http = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? (ready ? 200 : 503) : 404, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const io = new Server(http, { perMessageDeflate: false, adapter });
  io.on('connection', (socket) => {
    const { user, peer } = socket.handshake.auth;
    socket.join(`user:${user}`);
    socket.on('message:send', (payload, ack) => {
      const message = { ...payload, id: payload.clientId, senderId: user, createdAt: new Date().toISOString() };
      if (typeof ack === 'function') ack({ ok: true, data: message });
      // The service emits a message to every member's user room (src/realtime/chat.gateway.ts emitTo).
      socket.to(setup.emit === 'members' ? [`user:${user}`, `user:${peer}`] : `user:${peer}`).emit('message:new', message);
    });
  });
  http.listen(Number(process.env.PORT), '127.0.0.1');
  // The streams adapter connects its reading and subscribing clients in the background.
  setTimeout(() => (ready = true), 500);
  process.on('SIGTERM', () => process.exit(0));
}

/** Two servers of `setup` on the cluster, 200 pairs connected: senders on the first, peers on the second. */
async function startSetup(setup, cluster, connectMany) {
  const servers = [];
  for (const i of [1, 2])
    servers.push(
      await lib.startProcess(join(__dirname, 'adapters.js'), {
        ADAPTER_SETUP: JSON.stringify(setup),
        REDIS_CLUSTER_URLS: cluster.urls,
        REDIS_CLIENT_NAME: `${setup.name}-${i}`,
      }),
    );
  const senders = await connectMany(
    servers[0].url,
    Array.from({ length: PAIRS }, (_, i) => ({ user: `a${i}`, peer: `b${i}` })),
  );
  const receivers = await connectMany(
    servers[1].url,
    Array.from({ length: PAIRS }, (_, i) => ({ user: `b${i}`, peer: `a${i}` })),
  );
  const pairs = Array.from({ length: PAIRS }, (_, i) => ({ chatId: `c${i}`, sender: senders[i], receiver: receivers[i] }));
  return {
    setup,
    servers,
    pairs,
    stop: async () => {
      for (const s of [...senders, ...receivers]) s.close();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

const cpuOf = (pids) => pids.map((pid) => lib.procStats(pid).cpuSeconds);
const per1000 = (seconds, messages) => (messages ? Math.round((seconds / messages) * 1000 * 1000) / 1000 : null);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** One open-loop step of `rate` for `seconds` on a running setup; CPU of its servers and of every master. */
async function step(running, cluster, rate, seconds, openLoop) {
  const serverPids = running.servers.map((s) => s.proc.pid);
  const redisPids = cluster.pids();
  const [s0, r0] = [cpuOf(serverPids), cpuOf(redisPids)];
  const r = await openLoop(running.pairs, rate, seconds);
  const [s1, r1] = [cpuOf(serverPids), cpuOf(redisPids)];
  const serverCpu = s1.map((c, i) => c - s0[i]);
  const redisCpu = r1.map((c, i) => c - r0[i]);
  return {
    setup: running.setup.name,
    offeredRate: rate,
    sent: r.sent,
    delivered: r.delivered,
    deliveredRatio: r.deliveredRatio,
    deliveredPerSecond: r.deliveredPerSecond,
    deliver: r.deliver,
    sustained: r.deliveredRatio >= SUSTAINED.deliveredRatio && r.deliver.p99 !== null && r.deliver.p99 <= SUSTAINED.deliverP99Ms,
    cpuPer1000: {
      servers: per1000(sum(serverCpu), r.acked),
      perServer: serverCpu.map((c) => per1000(c, r.acked)),
      redis: per1000(sum(redisCpu), r.acked),
      perMaster: redisCpu.map((c) => per1000(c, r.acked)),
    },
    driverCpuShare: r.driverCpuShare,
  };
}

/**
 * The pairs whose deliveries go through master `master`: with the service's emit (more than one
 * room) and with the streams adapter, every message takes the namespace's channel or the one stream;
 * with one room per emit, the recipient room's channel.
 */
async function pairsThrough(setup, cluster, master) {
  const prefix = setup.name;
  if (setup.adapter === 'streams') return (await cluster.masterOf(prefix)) === master ? 'all' : [];
  if (setup.emit === 'members') return (await cluster.masterOf(`${prefix}#/#`)) === master ? 'all' : [];
  const out = [];
  for (let i = 0; i < PAIRS; i++) if ((await cluster.masterOf(`${prefix}#/#user:b${i}#`)) === master) out.push(i);
  return out;
}

/** The master that carries most of `setup`'s deliveries: the one to kill. */
async function busiestMaster(setup, cluster) {
  let best = { master: 0, pairs: -1 };
  for (let m = 0; m < cluster.ports.length; m++) {
    const through = await pairsThrough(setup, cluster, m);
    const n = through === 'all' ? PAIRS : through.length;
    if (n > best.pairs) best = { master: m, pairs: n };
  }
  return best.master;
}

/**
 * LOSS.rate msgs/s for LOSS.seconds; at LOSS.eventAtMs `event` (a master restart or a connection
 * cut) runs. Counts the sends never delivered (within the driver's 10 s drain after the last send),
 * those delivered over 1 s late, and the longest time without a delivery to the pairs whose
 * messages go through what was cut.
 */
async function lossRun(running, cluster, kind, drive, log) {
  const { setup } = running;
  let event;
  let affected = 'all';
  let master = null;
  if (kind === 'restart') {
    master = await busiestMaster(setup, cluster);
    affected = await pairsThrough(setup, cluster, master);
  }
  const names = kind === 'cut-receiver' ? [`${setup.name}-2`] : [`${setup.name}-1`, `${setup.name}-2`];
  const serverPids = running.servers.map((p) => p.proc.pid);
  const cpu0 = cpuOf(serverPids);
  const startedAt = lib.nowMs();
  const fire = lib.sleep(LOSS.eventAtMs).then(async () => {
    event = kind === 'restart' ? await cluster.restart(master, LOSS.downMs) : await cluster.cut(names);
  });
  const r = await drive(running.pairs, [{ rate: LOSS.rate, seconds: LOSS.seconds }]);
  await fire;
  const serverCpu = cpuOf(serverPids).map((c, i) => c - cpu0[i]);
  const eventMs = (event.killedAt ?? event.cutAt) - startedAt;
  const isAffected = affected === 'all' ? () => true : (i) => affected.includes(i % PAIRS);
  let lostBefore = 0;
  let lost = 0;
  let late = 0;
  let firstLost = null;
  let lastLost = null;
  const deliveries = [];
  for (let i = 0; i < r.total; i++) {
    const d = r.deliveredAt[i];
    if (Number.isNaN(d)) {
      if (r.sentAt[i] < eventMs) lostBefore += 1;
      else {
        lost += 1;
        firstLost ??= r.sentAt[i] - eventMs;
        lastLost = r.sentAt[i] - eventMs;
      }
    } else {
      if (d - r.sentAt[i] > 1000) late += 1;
      if (isAffected(i) && d >= eventMs - 1000) deliveries.push(d);
    }
  }
  deliveries.sort((a, b) => a - b);
  // Up to the last send: a delivery that never came back counts as stopped until then.
  const endMs = LOSS.seconds * 1000;
  if (!(deliveries.at(-1) >= endMs)) deliveries.push(endMs);
  let gap = 0;
  for (let k = 1; k < deliveries.length; k++) gap = Math.max(gap, deliveries[k] - deliveries[k - 1]);
  const round = (v) => (v === null ? null : Math.round(v));
  const out = {
    setup: setup.name,
    kind,
    master,
    affectedPairs: affected === 'all' ? PAIRS : affected.length,
    sent: r.total,
    lostBeforeEvent: lostBefore,
    lost,
    lostFromMs: round(firstLost),
    lostToMs: round(lastLost),
    lateOver1s: late,
    longestDeliveryGapMs: round(gap),
    event: kind === 'restart' ? { upMs: event.upMs, clusterOkMs: event.okMs } : { connectionsCut: event.connections },
    // Still losing in the last second of sends: the setup did not recover.
    recovered: !(lastLost !== null && lastLost > endMs - eventMs - 1000),
    // Each server's CPU over the run as a share of one core (a client spinning on errors shows here).
    serverCpuShare: serverCpu.map((c) => Math.round((c / (r.elapsedMs / 1000)) * 100) / 100),
    serversAlive: running.servers.every((s) => s.proc.exitCode === null),
  };
  log(
    `  ${setup.name} ${kind}: ${out.lost} of ${out.sent} lost (sent ${out.lostFromMs ?? '–'}…${out.lostToMs ?? '–'} ms after), ${late} late > 1 s, longest gap ${out.longestDeliveryGapMs} ms`,
  );
  return out;
}

async function adaptersScenario(results, { openLoop, drive, connectMany, seconds, log }) {
  const cluster = await Cluster.start(3);
  const running = [];
  try {
    for (const setup of SETUPS) running.push(await startSetup(setup, cluster, connectMany));
    for (const r of running) await warmUp(r, openLoop, log);
    const steps = [];
    const stepping = running.filter((r) => r.setup.steps !== false);
    for (const rate of RATES) {
      const sustainedHere = new Set();
      for (let round = 1; round <= ROUNDS; round++)
        for (const r of stepping) {
          log(`adapters: ${r.setup.name} at ${rate}/s (round ${round})`);
          const s = { ...(await step(r, cluster, rate, seconds, openLoop)), round };
          steps.push(s);
          log(
            `  ${s.deliveredPerSecond}/s delivered (${s.deliveredRatio}), p50/p99 ${s.deliver.p50}/${s.deliver.p99} ms, CPU-s/1k servers ${s.cpuPer1000.servers} Redis ${s.cpuPer1000.redis} (${s.cpuPer1000.perMaster.join(', ')})${s.sustained ? '' : ': not sustained'}`,
          );
          if (s.sustained) sustainedHere.add(r);
          await lib.sleep(1000);
        }
      // Every setup goes on to the next rate while one round of any setup was sustained at this one:
      // the setups are compared at the same rates, and a stall of the shared machine in one step
      // does not end a ramp.
      if (!sustainedHere.size) break;
    }
    const loss = [];
    for (const kind of ['cut-receiver', 'cut-both', 'restart'])
      for (let k = 0; k < running.length; k++) {
        log(`adapters: ${running[k].setup.name}, ${kind} at ${LOSS.eventAtMs / 1000} s of ${LOSS.seconds} s at ${LOSS.rate}/s`);
        const out = await lossRun(running[k], cluster, kind, drive, log);
        loss.push(out);
        if (!out.recovered) {
          // Fresh servers, so that the next run measures its own event, not this one's aftermath.
          log(`  ${running[k].setup.name} did not recover: its servers are started again`);
          await running[k].stop();
          running[k] = await startSetup(running[k].setup, cluster, connectMany);
          await warmUp(running[k], openLoop, log);
        }
        await lib.sleep(3000);
      }
    results.adapters = {
      pairs: PAIRS,
      seconds,
      rounds: ROUNDS,
      setups: SETUPS,
      steps,
      maxSustained: Object.fromEntries(SETUPS.filter((s) => s.steps !== false).map((s) => [s.name, maxSustainedPerRound(steps, s.name)])),
      loss: { ...LOSS, runs: loss },
    };
  } finally {
    for (const r of running) await r.stop();
    await cluster.stop();
  }
}

async function warmUp(running, openLoop, log) {
  log(`adapters: ${running.setup.name} warm-up at ${WARMUP.rate}/s for ${WARMUP.seconds} s (not counted)`);
  await openLoop(running.pairs, WARMUP.rate, WARMUP.seconds);
}

/** Each round's highest sustained step's delivered rate (null when none was). */
function maxSustainedPerRound(steps, name) {
  return Array.from({ length: ROUNDS }, (_, k) => {
    const rates = steps.filter((s) => s.setup === name && s.round === k + 1 && s.sustained).map((s) => s.deliveredPerSecond);
    return rates.length ? Math.max(...rates) : null;
  });
}

function adaptersMarkdown(a) {
  const label = Object.fromEntries(a.setups.map((s) => [s.name, s.label]));
  const lines = [
    `Adapters on a three-master Redis Cluster (BENCH_ONLY=adapters): ${a.pairs} pairs, senders on server 1, recipients on server 2; ${a.seconds} s per step, each setup in turn at each rate, ${a.rounds} rounds. CPU-s per 1,000 messages.`,
    '',
    '| setup | offered/s | round | delivered/s | delivered/sent | deliver p50 / p99 ms | servers CPU-s (each) | Redis CPU-s (each master) | driver | sustained |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of a.steps)
    lines.push(
      `| ${s.setup} | ${s.offeredRate} | ${s.round} | ${s.deliveredPerSecond} | ${s.deliveredRatio} | ${s.deliver.p50} / ${s.deliver.p99} | ${s.cpuPer1000.servers} (${s.cpuPer1000.perServer.join(', ')}) | ${s.cpuPer1000.redis} (${s.cpuPer1000.perMaster.join(', ')}) | ${s.driverCpuShare} | ${s.sustained ? 'yes' : 'no'} |`,
    );
  const max = Object.entries(a.maxSustained).map(([name, perRound]) => `${name} ${perRound.map((m) => m ?? '–').join(' / ')}`);
  lines.push('', `Maximum sustained rate per round: ${max.join('; ')}.`, '');
  lines.push(
    `Loss: ${a.loss.rate} msgs/s for ${a.loss.seconds} s; at ${a.loss.eventAtMs / 1000} s the event: cut-receiver = CLIENT KILL of server 2's Redis connections on every master; cut-both = both servers'; restart = SIGKILL of the master that carries most of the setup's deliveries, ${a.loss.downMs} ms down, started again empty. "Lost": never delivered; times are of the lost sends, after the event.`,
    '',
    '| setup | event | pairs through it | lost / sent | lost sends from … to ms | late > 1 s | longest delivery gap ms | event detail | recovered | servers CPU share |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const l of a.loss.runs)
    lines.push(
      `| ${l.setup} | ${l.kind} | ${l.affectedPairs} | ${l.lost} / ${l.sent}${l.lostBeforeEvent ? ` (+${l.lostBeforeEvent} before)` : ''} | ${l.lostFromMs ?? '–'} … ${l.lostToMs ?? '–'} | ${l.lateOver1s} | ${l.longestDeliveryGapMs} | ${JSON.stringify(l.event)} | ${l.recovered ? 'yes' : 'no'}${l.serversAlive ? '' : ' (a server exited)'} | ${l.serverCpuShare.join(', ')} |`,
    );
  lines.push('', ...a.setups.map((s) => `- ${s.name}: ${label[s.name]}`), '');
  return lines;
}

if (require.main === module) {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { adaptersScenario, adaptersMarkdown };
