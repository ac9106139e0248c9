'use strict';
// `npm run bench`: starts the built service on a fresh database of the local PostgreSQL and the bare
// socket.io relay, drives both from this process with the same open-loop driver and real socket.io
// clients, steps each up to its saturation, and writes bench/results/<date>.{json,md}. Loopback
// only; every scenario is bounded in time. BENCH_ONLY=send,overload,fanout,…,search picks scenarios
// (slowreader, push, balancer and adapters run only when named there), BENCH_SECONDS shortens each send step (default 10), BENCH_RATES sets the steps,
// BENCH_OVERLOAD_SECONDS / BENCH_OVERLOAD_RATE the overload. BENCH_SEARCH_INDEX=off runs the send
// steps without the search index and its indexer (to compare the send rate with and without them).
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, cpus, totalmem } = require('node:os');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');
const { io } = require('socket.io-client');
const lib = require('./lib');
const { searchScenario, searchMarkdown } = require('./search');
const { pushScenario, pushMarkdown } = require('./push');
const { slowReaderScenario, slowReaderMarkdown } = require('./slow-reader');
const { balancerScenario, balancerMarkdown } = require('./balancer');
const { adaptersScenario, adaptersMarkdown } = require('./adapters');

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
/** The rates issue 18's goals name (p99 and PostgreSQL CPU at the first, service CPU at the second): always measured. */
const GOAL_RATES = [2000, 4000];
/**
 * Each side steps up through these until a step is not sustained, then only through those of
 * GOAL_RATES still ahead (BENCH_RATES overrides them).
 */
const RATES = (process.env.BENCH_RATES || '1000,1500,2000,3000,4000,6000,8000,12000,16000,24000,32000,48000,64000').split(',').map(Number);
/** A step is sustained when this share of its sends is delivered, with send→deliver p99 at most this. */
const SUSTAINED = { deliveredRatio: 0.99, deliverP99Ms: 100 };
const STEP_RETRIES = Number(process.env.BENCH_STEP_RETRIES ?? 1);
const WARMUP = { rate: 1000, seconds: Number(process.env.BENCH_WARMUP_SECONDS || 3) };
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS || 20);
const TAIL = { rate: 1000, seconds: Number(process.env.BENCH_OVERLOAD_TAIL_SECONDS || 10) };
const PAIRS = 200;
const wanted = (name) => !ONLY || ONLY.includes(name);
const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

function connect(url, auth, extra = {}) {
  return new Promise((ok, fail) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 20000, ...extra });
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', (err) => fail(err));
  });
}

async function connectMany(url, authList, concurrency = 50) {
  const sockets = new Array(authList.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < authList.length) {
        const i = next++;
        sockets[i] = await connect(url, authList[i]);
      }
    }),
  );
  return sockets;
}

function closeAll(sockets) {
  for (const s of sockets) s?.close();
}

/**
 * The open-loop driver: sends on a schedule of phases ({ rate, seconds }, one after another) spread
 * over the pairs, whatever the answers, then waits up to 10 s for the answers and deliveries still
 * owed. A pair without a `receiver` (an offline recipient) counts answers only. `textFor(pair, n)`
 * gives the n-th message's text. Returns each send's times in ms since the start (sent, answered,
 * delivered; NaN when it never came) and the error code of each refusal. A send's clientId is the
 * run's prefix and its index, so a late delivery of an earlier step cannot count here.
 */
async function drive(pairs, phases, { textFor = (_pair, n) => `m${n}`, sample } = {}) {
  const prefix = randomUUID().slice(0, 24);
  const schedule = [];
  let total = 0;
  let endMs = 0;
  for (const p of phases) {
    const n = Math.round(p.rate * p.seconds);
    schedule.push({ rate: p.rate, fromMs: endMs, toMs: endMs + p.seconds * 1000, first: total, n });
    total += n;
    endMs += p.seconds * 1000;
  }
  const due = (t) => {
    for (const s of schedule) if (t < s.toMs) return s.first + Math.min(s.n, Math.floor(((t - s.fromMs) * s.rate) / 1000));
    return total;
  };
  const sentAt = new Float64Array(total);
  const answeredAt = new Float64Array(total).fill(NaN);
  const deliveredAt = new Float64Array(total).fill(NaN);
  const refusals = new Map();
  let start = lib.nowMs();
  let answered = 0;
  let delivered = 0;
  let refusalsWithRetryAfter = 0;
  const offs = pairs.map((p) => {
    if (!p.receiver) return () => undefined;
    const onNew = (m) => {
      if (typeof m?.clientId !== 'string' || !m.clientId.startsWith(prefix)) return;
      const i = parseInt(m.clientId.slice(24), 16);
      if (!(i < total) || !Number.isNaN(deliveredAt[i])) return;
      deliveredAt[i] = lib.nowMs() - start;
      delivered += 1;
    };
    p.receiver.on('message:new', onNew);
    return () => p.receiver.off('message:new', onNew);
  });
  start = lib.nowMs();
  let sent = 0;
  await new Promise((done) => {
    const tick = () => {
      const target = due(lib.nowMs() - start);
      while (sent < target) {
        const i = sent++;
        const pair = pairs[i % pairs.length];
        const clientId = prefix + i.toString(16).padStart(12, '0');
        sentAt[i] = lib.nowMs() - start;
        pair.sender.emit('message:send', { chatId: pair.chatId, clientId, text: textFor(pair, i + 1) }, (ack) => {
          answeredAt[i] = lib.nowMs() - start;
          answered += 1;
          if (!ack?.ok) {
            refusals.set(i, ack?.error?.code ?? 'NO_ERROR_CODE');
            if (ack?.error?.details?.[0]?.retryAfter > 0) refusalsWithRetryAfter += 1;
          }
        });
      }
      sample?.();
      if (sent >= total) return done();
      setTimeout(tick, 2);
    };
    tick();
  });
  // How late the last send left: well past the schedule means the driver itself could not keep up.
  const sendLagMs = Math.round(lib.nowMs() - start - endMs);
  const receiving = pairs.some((p) => p.receiver);
  const drainUntil = lib.nowMs() + 10000;
  while ((answered < sent || (receiving && delivered < answered - refusals.size)) && lib.nowMs() < drainUntil) {
    sample?.();
    await lib.sleep(20);
  }
  offs.forEach((off) => off());
  return {
    prefix,
    schedule,
    total,
    sentAt,
    answeredAt,
    deliveredAt,
    refusals,
    refusalsWithRetryAfter,
    receiving,
    sendLagMs,
    elapsedMs: lib.nowMs() - start,
  };
}

const per1000 = (seconds, messages) => (seconds === null || !messages ? null : Math.round((seconds / messages) * 1000 * 1000) / 1000);

/** Latencies (ms) of the sends `from` ≤ i < `to` that got `times` (answers or deliveries). */
function latencies(run, times, from = 0, to = run.total, keep = () => true) {
  const out = [];
  for (let i = from; i < to; i++) if (!Number.isNaN(times[i]) && keep(i)) out.push(times[i] - run.sentAt[i]);
  return out;
}

/**
 * One step of `rate` sends per second for `seconds`. `pid`: the server's process, whose CPU per
 * 1,000 acked messages is reported; `dbName`: its database, whose PostgreSQL processes are measured
 * the same way. The driver's own CPU is a share of one core: near 1 the driver is the limit.
 */
async function openLoop(pairs, rate, seconds, pid, textFor, { dbName } = {}) {
  const cpu0 = pid ? lib.procStats(pid).cpuSeconds : null;
  const pgMeter = dbName ? lib.postgresCpuMeter(dbName) : null;
  const own0 = lib.ownCpuSeconds();
  const run = await drive(pairs, [{ rate, seconds }], { textFor, sample: pgMeter?.sample });
  const own = lib.ownCpuSeconds() - own0;
  const cpu = pid ? lib.procStats(pid).cpuSeconds - cpu0 : null;
  const pg = pgMeter ? pgMeter.seconds() : null;
  const ok = (i) => !run.refusals.has(i);
  let acked = 0;
  let ackedInWindow = 0;
  let delivered = 0;
  let lastDeliveredMs = 0;
  for (let i = 0; i < run.total; i++) {
    if (!Number.isNaN(run.answeredAt[i]) && ok(i)) {
      acked += 1;
      if (run.answeredAt[i] <= seconds * 1000) ackedInWindow += 1;
    }
    if (!Number.isNaN(run.deliveredAt[i])) {
      delivered += 1;
      lastDeliveredMs = Math.max(lastDeliveredMs, run.deliveredAt[i]);
    }
  }
  const deliver = lib.summarize(latencies(run, run.deliveredAt));
  const deliveredRatio = run.total ? Math.round((delivered / run.total) * 1000) / 1000 : null;
  return {
    offeredRate: rate,
    sent: run.total,
    acked,
    failed: run.refusals.size,
    delivered,
    deliveredRatio,
    // Achieved: deliveries per second over the step, or until the last delivery when that came later.
    deliveredPerSecond: Math.round(delivered / Math.max(seconds, lastDeliveredMs / 1000)),
    ackedPerSecond: Math.round(acked / Math.max(seconds, run.elapsedMs / 1000)),
    ackedInWindowPerSecond: Math.round(ackedInWindow / seconds),
    ack: lib.summarize(latencies(run, run.answeredAt, 0, run.total, ok)),
    deliver,
    sustained: run.receiving
      ? deliveredRatio >= SUSTAINED.deliveredRatio && deliver.p99 !== null && deliver.p99 <= SUSTAINED.deliverP99Ms
      : null,
    cpuSecondsPer1000: per1000(cpu, acked),
    postgresCpuSecondsPer1000: per1000(pg, acked),
    driverCpuShare: Math.round((own / (run.elapsedMs / 1000)) * 100) / 100,
    driverSendLagMs: run.sendLagMs,
  };
}

const stepLine = (s) =>
  `${s.offeredRate}/s: ${s.deliveredPerSecond}/s delivered (${s.deliveredRatio}), ack p99 ${s.ack.p99} ms, deliver p99 ${s.deliver.p99} ms, ` +
  `CPU-s/1k ${s.cpuSecondsPer1000} (PostgreSQL ${s.postgresCpuSecondsPer1000 ?? '–'}), driver ${s.driverCpuShare} of a core${s.sustained ? '' : ': not sustained'}`;

/**
 * Steps up through RATES until a step is not sustained. With `mentions`, each sustained step is run
 * again with an @mention of the peer in every message (parsed and stored on send).
 */
async function stepUp(label, pairs, pid, dbName, mentions) {
  const steps = [];
  const mentionSteps = [];
  let saturated = false;
  for (const rate of RATES) {
    // Past the maximum, only the goals' rates still run (once each), so that every goal at a rate
    // has its measured distance even when a side stops below it.
    if (saturated && rate > Math.max(...GOAL_RATES)) break;
    let s;
    // A step that is not sustained runs once more (STEP_RETRIES) before the side stops: one disk
    // flush of this shared VM should not end the ramp.
    for (let attempt = 0; attempt <= (saturated ? 0 : STEP_RETRIES); attempt++) {
      log(`${label} at ${rate}/s${attempt ? ' (again)' : ''}${saturated ? ' (past the maximum: for the goals)' : ''}`);
      s = await openLoop(pairs, rate, SECONDS, pid, undefined, { dbName });
      if (attempt) s.retry = attempt;
      if (saturated) s.pastMaximum = true;
      steps.push(s);
      log(`  ${stepLine(s)}`);
      await lib.sleep(1000);
      if (s.sustained) break;
    }
    if (!s.sustained) saturated = true;
    if (saturated) continue;
    if (mentions) {
      log(`${label} with a mention in every message at ${rate}/s`);
      const m = await openLoop(pairs, rate, SECONDS, pid, mentions, { dbName });
      mentionSteps.push(m);
      log(`  ${stepLine(m)}`);
      await lib.sleep(1000);
    }
  }
  return { steps, mentionSteps };
}

/** The highest sustained step's achieved delivered rate. */
function maxSustained(steps) {
  const rates = (steps ?? []).filter((s) => s.sustained && !s.pastMaximum).map((s) => s.deliveredPerSecond);
  return rates.length ? Math.max(...rates) : null;
}

/** A warm-up step that is not counted: a cold JIT alone puts 100+ ms into the first step's p99. */
async function warmUp(label, pairs, pid) {
  log(`${label}: warm-up at ${WARMUP.rate}/s for ${WARMUP.seconds} s (not counted)`);
  const w = await openLoop(pairs, WARMUP.rate, WARMUP.seconds, pid);
  await lib.sleep(1000);
  return { offeredRate: w.offeredRate, seconds: WARMUP.seconds, deliver: w.deliver };
}

/** The service on a fresh database with PAIRS 1:1 chats seeded and every user's socket connected. */
async function serviceScenarios(results) {
  const dbUrl = await lib.createDatabase();
  const dbName = new URL(dbUrl).pathname.slice(1);
  // BENCH_SEARCH_INDEX=off: no search index (message_search dropped) and no indexer running; the
  // send's statement still queues its row (message_search_queue): measure that against a build
  // without search writes (README "What the index costs the send path").
  const searchOff = process.env.BENCH_SEARCH_INDEX === 'off';
  const svc = await lib.startService({ DATABASE_URL: dbUrl, ...(searchOff ? { SEARCH_INDEX_INTERVAL_MS: '3600000' } : {}) });
  const db = lib.newPool(dbUrl, 4);
  try {
    if (searchOff) {
      await db.query('DROP TABLE message_search');
      results.searchIndex = 'off';
    }
    const users = await lib.seedUsers(db, PAIRS * 2, 'p');
    const chatIds = [];
    for (let i = 0; i < PAIRS; i++) chatIds.push(await lib.seedChat(db, 'direct', [users[2 * i], users[2 * i + 1]]));
    const sockets = await connectMany(
      svc.url,
      users.map((u) => ({ token: u.token })),
    );
    const pairs = chatIds.map((chatId, i) => ({ chatId, sender: sockets[2 * i], receiver: sockets[2 * i + 1], peer: users[2 * i + 1] }));
    results.serviceWarmup = await warmUp('service', pairs, svc.proc.pid);
    if (wanted('send')) {
      const mentioning = (pair, n) => `@${pair.peer.username} m${n}`;
      const { steps, mentionSteps } = await stepUp('send→deliver through the service', pairs, svc.proc.pid, dbName, mentioning);
      results.send = steps;
      results.sendMentions = mentionSteps;
    }
    if (wanted('overload')) results.overload = await overloadScenario(pairs, svc, db, dbName, results.send);
    closeAll(sockets);
    if (wanted('send')) {
      results.messagesStored = Number((await db.query('SELECT count(*) FROM messages')).rows[0].count);
      // The database ceiling: the same rows, one transaction per message, at the service's pool size.
      log('database ceiling');
      results.dbCeiling = await dbCeiling(dbUrl, chatIds, users);
    }
  } finally {
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
  }
}

/** The transport's ceiling: the bare socket.io relay, the same driver and steps. */
async function relayScenario(results) {
  const relay = await lib.startProcess(join(__dirname, 'relay.js'), {});
  try {
    const auth = [];
    for (let i = 0; i < PAIRS; i++) auth.push({ user: `a${i}`, peer: `b${i}` }, { user: `b${i}`, peer: `a${i}` });
    const sockets = await connectMany(relay.url, auth);
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({ chatId: `c${i}`, sender: sockets[2 * i], receiver: sockets[2 * i + 1] }));
    results.relayWarmup = await warmUp('relay', pairs, relay.proc.pid);
    results.relay = (await stepUp('send→deliver through the bare relay', pairs, relay.proc.pid, null, null)).steps;
    closeAll(sockets);
  } finally {
    await relay.stop();
  }
}

/**
 * Overload: twice the service's maximum sustained rate for OVERLOAD_SECONDS, then TAIL at a moderate
 * rate. Every send should be answered within 1 s (acked, or refused at once with OVERLOADED or
 * RATE_LIMITED), RSS should stay bounded, the tail's p99 should come back under 100 ms, and every
 * acked message should be in the database.
 */
async function overloadScenario(pairs, svc, db, dbName, sendSteps) {
  const envRate = Number(process.env.BENCH_OVERLOAD_RATE || 0);
  const serviceMax = maxSustained(sendSteps);
  let rate = 6000;
  let rateSource = '2 × 3,000/s, the issue’s maximum (send did not run; BENCH_OVERLOAD_RATE sets it)';
  if (envRate) [rate, rateSource] = [envRate, 'BENCH_OVERLOAD_RATE'];
  else if (serviceMax) [rate, rateSource] = [2 * serviceMax, '2 × the maximum sustained rate'];
  else if (sendSteps?.length) [rate, rateSource] = [2 * sendSteps[0].offeredRate, '2 × the first send step, none of them sustained'];
  log(`overload: ${rate}/s (${rateSource}) for ${OVERLOAD_SECONDS} s, then ${TAIL.rate}/s for ${TAIL.seconds} s`);
  const rssBefore = lib.procStats(svc.proc.pid).rssBytes;
  let rssMax = rssBefore;
  let lastSample = 0;
  const pgMeter = lib.postgresCpuMeter(dbName);
  const sample = () => {
    pgMeter.sample();
    if (lib.nowMs() - lastSample < 100) return;
    lastSample = lib.nowMs();
    rssMax = Math.max(rssMax, lib.procStats(svc.proc.pid).rssBytes);
  };
  const cpu0 = lib.procStats(svc.proc.pid).cpuSeconds;
  const run = await drive(
    pairs,
    [
      { rate, seconds: OVERLOAD_SECONDS },
      { rate: TAIL.rate, seconds: TAIL.seconds },
    ],
    { sample },
  );
  const cpu = lib.procStats(svc.proc.pid).cpuSeconds - cpu0;
  const pg = pgMeter.seconds();
  const n = run.schedule[0].n;
  let withinSecond = 0;
  let acked = 0;
  let unanswered = 0;
  const refused = {};
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(run.answeredAt[i])) unanswered += 1;
    else if (run.answeredAt[i] - run.sentAt[i] <= 1000) withinSecond += 1;
    const code = run.refusals.get(i);
    if (code) refused[code] = (refused[code] ?? 0) + 1;
    else if (!Number.isNaN(run.answeredAt[i])) acked += 1;
  }
  // The tail in 1-s windows by send time: the p99 of send→deliver, a send never delivered (refused,
  // unanswered) counting as infinitely late.
  const tailWindows = [];
  const endMs = run.schedule[0].toMs;
  for (let w = 0; w < TAIL.seconds; w++) {
    const lat = [];
    for (let i = n; i < run.total; i++) {
      const t = run.sentAt[i] - endMs;
      if (t >= w * 1000 && t < (w + 1) * 1000) lat.push(Number.isNaN(run.deliveredAt[i]) ? Infinity : run.deliveredAt[i] - run.sentAt[i]);
    }
    const p99 = lib.summarize(lat).p99;
    tailWindows.push(p99 === Infinity ? null : p99);
  }
  const good = tailWindows.findIndex((p) => p !== null && p <= SUSTAINED.deliverP99Ms);
  // Nothing acknowledged lost: every acked clientId has its row; nothing refused was stored.
  const idOf = (i) => run.prefix + i.toString(16).padStart(12, '0');
  const ackedIds = [];
  const refusedIds = [];
  for (let i = 0; i < run.total; i++)
    if (run.refusals.has(i)) refusedIds.push(idOf(i));
    else if (!Number.isNaN(run.answeredAt[i])) ackedIds.push(idOf(i));
  const countRows = async (ids) =>
    Number((await db.query('SELECT count(*) FROM messages m JOIN unnest($1::uuid[]) AS a(id) ON m.client_id = a.id', [ids])).rows[0].count);
  const found = await countRows(ackedIds);
  const refusedStored = await countRows(refusedIds);
  const overloadAck = lib.summarize(latencies(run, run.answeredAt, 0, n, (i) => !run.refusals.has(i)));
  const refusedAnswer = lib.summarize(latencies(run, run.answeredAt, 0, n, (i) => run.refusals.has(i)));
  const result = {
    offeredRate: rate,
    rateSource,
    seconds: OVERLOAD_SECONDS,
    sent: n,
    answeredWithin1sShare: n ? Math.round((withinSecond / n) * 10000) / 10000 : null,
    acked,
    refused,
    // Of all refusals (the overload and the tail), those whose error carries `details: [{ retryAfter }]`.
    refusedWithRetryAfter: run.refusalsWithRetryAfter,
    unanswered,
    ack: overloadAck,
    refusedAnswer,
    rssBeforeMiB: Math.round(rssBefore / 1048576),
    rssGrowthMiB: Math.round((rssMax - rssBefore) / 1048576),
    tail: { rate: TAIL.rate, seconds: TAIL.seconds, windowP99: tailWindows },
    // The end of the first 1-s window of the tail whose p99 is ≤ 100 ms: seconds after the overload ended.
    recoverySeconds: good < 0 ? null : good + 1,
    ackedTotal: ackedIds.length,
    ackedFoundInDatabase: found,
    ackedLost: ackedIds.length - found,
    refusedButStored: refusedStored,
    // Sends of the overload and the tail still unanswered when the driver stopped waiting (10 s after the last send).
    unansweredAtEnd: run.total - ackedIds.length - refusedIds.length,
    cpuSecondsPer1000: per1000(cpu, ackedIds.length),
    postgresCpuSecondsPer1000: per1000(pg, ackedIds.length),
    driverSendLagMs: run.sendLagMs,
  };
  log(
    `overload: ${result.answeredWithin1sShare} answered within 1 s, ${acked} acked, refused ${JSON.stringify(refused)}, ${unanswered} unanswered, RSS +${result.rssGrowthMiB} MiB, ` +
      `tail p99 per second ${JSON.stringify(tailWindows)}, lost ${result.ackedLost}`,
  );
  return result;
}

async function dbCeiling(dbUrl, chatIds, users) {
  const concurrency = 20;
  const pool = lib.newPool(dbUrl, concurrency);
  let count = 0;
  const lat = [];
  const end = lib.nowMs() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const client = await pool.connect();
      let i = w;
      try {
        while (lib.nowMs() < end) {
          const chat = i % chatIds.length;
          const t = lib.nowMs();
          await client.query('BEGIN');
          const { rows } = await client.query(
            'UPDATE chats SET last_seq = last_seq + 1, last_activity_at = now() WHERE id = $1 RETURNING last_seq',
            [chatIds[chat]],
          );
          await client.query(`INSERT INTO messages (chat_id, seq, sender_id, type, text, client_id) VALUES ($1, $2, $3, 'text', $4, $5)`, [
            chatIds[chat],
            rows[0].last_seq,
            users[2 * chat].id,
            `db${i}`,
            randomUUID(),
          ]);
          await client.query('COMMIT');
          lat.push(lib.nowMs() - t);
          count += 1;
          i += concurrency;
        }
      } finally {
        client.release();
      }
    }),
  );
  await pool.end();
  return { concurrency, perSecond: Math.round(count / SECONDS), commit: lib.summarize(lat) };
}

async function fanoutScenario(results) {
  const dbUrl = await lib.createDatabase();
  const svc = await lib.startService({ DATABASE_URL: dbUrl });
  const db = lib.newPool(dbUrl, 4);
  try {
    const users = await lib.seedUsers(db, 50, 'f');
    const chatId = await lib.seedChat(db, 'group', users);
    const sockets = await connectMany(
      svc.url,
      users.map((u) => ({ token: u.token })),
    );
    results.fanout = [];
    for (const rate of [20, 100, 200]) {
      log(`fan-out in a 50-member group at ${rate} msgs/s`);
      const sentAt = new Map();
      const lat = [];
      // Every member sends in turn (a socket handles its own events one at a time, in order), and
      // every message reaches the 49 others.
      for (const s of sockets) {
        s.removeAllListeners('message:new');
        s.on('message:new', (m) => {
          const t = sentAt.get(m.clientId);
          if (t !== undefined) lat.push(lib.nowMs() - t);
        });
      }
      const total = rate * SECONDS;
      const start = lib.nowMs();
      const cpu0 = lib.procStats(svc.proc.pid).cpuSeconds;
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - lib.nowMs();
        if (wait > 1) await lib.sleep(wait);
        const clientId = randomUUID();
        sentAt.set(clientId, lib.nowMs());
        sockets[i % sockets.length].emit('message:send', { chatId, clientId, text: `f${i}` }, () => undefined);
      }
      const expected = total * 49;
      const until = lib.nowMs() + 10000;
      while (lat.length < expected && lib.nowMs() < until) await lib.sleep(20);
      const elapsed = (lib.nowMs() - start) / 1000;
      results.fanout.push({
        messagesPerSecond: rate,
        deliveries: lat.length,
        expected,
        deliveriesPerSecond: Math.round(lat.length / elapsed),
        deliver: lib.summarize(lat),
        cpuSeconds: Math.round((lib.procStats(svc.proc.pid).cpuSeconds - cpu0) * 100) / 100,
      });
    }
    closeAll(sockets);
  } finally {
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
  }
}

async function timeRequests(n, fn) {
  const lat = [];
  for (let i = 0; i < n; i++) {
    const t = lib.nowMs();
    await fn();
    lat.push(lib.nowMs() - t);
  }
  return lib.summarize(lat);
}

async function readScenarios(results) {
  const dbUrl = await lib.createDatabase();
  const svc = await lib.startService({ DATABASE_URL: dbUrl });
  const db = lib.newPool(dbUrl, 4);
  try {
    if (wanted('history')) {
      log('history: seeding 1,000,000 messages');
      const [reader, other] = await lib.seedUsers(db, 2, 'h');
      const chatId = await lib.seedChat(db, 'direct', [reader, other]);
      const t0 = lib.nowMs();
      await db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, type, text, created_at)
         SELECT $1, g, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE $3::uuid END, 'text', 'message ' || g, now() - (1000000 - g) * interval '1 second'
           FROM generate_series(1, 1000000) AS g`,
        [chatId, reader.id, other.id],
      );
      await db.query('UPDATE chats SET last_seq = 1000000 WHERE id = $1', [chatId]);
      // The seed went through the push outbox trigger; nobody here has a push subscription, and
      // otherwise the push worker would spend the measurement expanding a million messages.
      await db.query('TRUNCATE push_outbox');
      await db.query('ANALYZE messages');
      results.historySeedSeconds = Math.round(lib.nowMs() - t0) / 1000;
      const auth = { Authorization: `Bearer ${reader.token}` };
      const socket = await connect(svc.url, { token: reader.token });
      const pages = { first: undefined, depth500k: 500001, depth999k: 1001 };
      const measurePages = async (label, check) => {
        const out = {};
        for (const [name, before] of Object.entries(pages)) {
          const qs = before ? `?before=${before}&limit=15` : '?limit=15';
          const page = await (await fetch(`${svc.url}/api/chats/${chatId}/messages${qs}`, { headers: auth })).json();
          if (!Array.isArray(page.items) || page.items.length !== 15 || !check(page.items))
            throw new Error(`history ${label} ${name}: ${JSON.stringify(page).slice(0, 200)}`);
          const rest = await timeRequests(300, async () => {
            const res = await fetch(`${svc.url}/api/chats/${chatId}/messages${qs}`, { headers: auth });
            await res.arrayBuffer();
          });
          const sock = await timeRequests(
            300,
            () => new Promise((ok) => socket.emit('messages:history', { chatId, before, limit: 15 }, ok)),
          );
          out[name] = { rest, socket: sock };
        }
        return out;
      };
      results.history = await measurePages('plain', () => true);
      // The same pages once replies and reactions are on the messages: every 10th message of the
      // chat replies to the one before and every 50th has a reaction, and around each measured page
      // (100 messages) every message replies to the one before and carries 10 reactions (10 users,
      // one emoji each).
      log('history: adding replies and reactions');
      const voters = await lib.seedUsers(db, 10, 'r');
      const emoji = ['👍', '❤️', '😂', '🎉', '🔥', '👀', '🙏', '💯', '😮', '😢'];
      const around = `(seq > 999900 OR seq BETWEEN 499901 AND 500000 OR seq BETWEEN 901 AND 1000)`;
      await db.query(`UPDATE messages SET reply_to_seq = seq - 1 WHERE chat_id = $1 AND seq > 1 AND (seq % 10 = 0 OR ${around})`, [chatId]);
      await db.query(
        `INSERT INTO message_reactions (message_id, user_id, emoji, emoji_added_at)
         SELECT m.id, v.id, v.emoji, m.created_at FROM messages m, unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS v(id, emoji, k)
          WHERE m.chat_id = $1 AND (${around} OR (m.seq % 50 = 0 AND v.k = 1))`,
        [chatId, voters.map((v) => v.id), emoji],
      );
      await db.query('VACUUM ANALYZE messages');
      await db.query('VACUUM ANALYZE message_reactions');
      results.historyRich = await measurePages(
        'with replies and reactions',
        (items) => items[0].reactions?.length === 10 && !!items[0].replyTo,
      );
      results.historyRichData = {
        replies: Number(
          (await db.query('SELECT count(*) FROM messages WHERE chat_id = $1 AND reply_to_seq IS NOT NULL', [chatId])).rows[0].count,
        ),
        reactions: Number((await db.query('SELECT count(*) FROM message_reactions')).rows[0].count),
      };
      socket.close();
    }
    if (wanted('chatlist')) {
      log('chat list: a user in 1,000 chats');
      const users = await lib.seedUsers(db, 1001, 'l');
      const me = users[0];
      const chatIds = [];
      for (let i = 1; i <= 1000; i++) chatIds.push(await lib.seedChat(db, 'direct', [me, users[i]]));
      await db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, type, text)
         SELECT c.id, g, CASE WHEN g % 2 = 0 THEN $2::uuid ELSE (SELECT user_id FROM chat_members o WHERE o.chat_id = c.id AND o.user_id <> $2 LIMIT 1) END,
                'text', 'hello ' || g
           FROM chats c CROSS JOIN generate_series(1, 5) AS g WHERE c.id = ANY($1)`,
        [chatIds, me.id],
      );
      await db.query(`UPDATE chats SET last_seq = 5, last_activity_at = now() - random() * interval '30 days' WHERE id = ANY($1)`, [
        chatIds,
      ]);
      await db.query('TRUNCATE push_outbox');
      await db.query('ANALYZE');
      const auth = { Authorization: `Bearer ${me.token}` };
      const check = await (await fetch(`${svc.url}/api/chats?limit=50`, { headers: auth })).json();
      if (check.items?.length !== 50) throw new Error(`chat list: ${JSON.stringify(check).slice(0, 200)}`);
      results.chatList = await timeRequests(300, async () => {
        const res = await fetch(`${svc.url}/api/chats?limit=50`, { headers: auth });
        await res.arrayBuffer();
      });
    }
    if (wanted('connections')) {
      log('idle connections');
      const users = await lib.seedUsers(db, 10000, 'c');
      const base = lib.procStats(svc.proc.pid).rssBytes;
      results.connections = [];
      const sockets = [];
      for (const level of [1000, 5000, 10000]) {
        const batch = users.slice(sockets.length, level).map((u, i) => ({ token: u.token, _addr: i }));
        // Several loopback source addresses, so the client never runs out of ports.
        const opened = await Promise.all(
          Array.from({ length: 4 }, (_, k) =>
            connectManyFrom(
              svc.url,
              batch.filter((_, i) => i % 4 === k),
              `127.0.0.${k + 2}`,
            ),
          ),
        );
        sockets.push(...opened.flat());
        await lib.sleep(3000);
        const rss = lib.procStats(svc.proc.pid).rssBytes;
        results.connections.push({
          sockets: level,
          rssMiB: Math.round(rss / 1048576),
          rssPerConnectionKiB: Math.round((rss - base) / level / 102.4) / 10,
        });
        log(`${level} sockets: RSS ${Math.round(rss / 1048576)} MiB`);
      }
      closeAll(sockets);
    }
  } finally {
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
  }
}

async function connectManyFrom(url, authList, localAddress) {
  const sockets = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < authList.length) {
        const { token } = authList[next++];
        sockets.push(await connect(url, { token }, { localAddress }));
      }
    }),
  );
  return sockets;
}

async function coldStart(results) {
  const runs = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-embedded-'));
  try {
    for (const kind of ['empty DATA_DIR', 'existing DATA_DIR']) {
      const svc = await lib.startService({ DATA_DIR: dir });
      runs.push({ kind, msToHealthy: svc.startMs });
      await svc.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  results.coldStart = runs;
}

function ratio(a, b) {
  return a === null || b === null || a === undefined || b === undefined || !b ? null : Math.round((a / b) * 100) / 100;
}

const dash = (v) => (v === null || v === undefined ? '–' : v);

function stepTable(steps, withPostgres) {
  const lines = [
    '| offered msgs/s | achieved (delivered/s) | delivered/sent | ack p99 ms | deliver p50 / p99 ms | CPU-s per 1k | PostgreSQL CPU-s per 1k | driver CPU (of a core) | driver lag ms | sustained |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of steps)
    lines.push(
      `| ${s.offeredRate}${s.retry ? ' (again)' : ''} | ${s.deliveredPerSecond} | ${s.deliveredRatio} | ${s.ack.p99} | ${s.deliver.p50} / ${s.deliver.p99} | ${dash(s.cpuSecondsPer1000)} | ${withPostgres ? dash(s.postgresCpuSecondsPer1000) : '–'} | ${s.driverCpuShare} | ${s.driverSendLagMs} | ${s.sustained ? 'yes' : 'no'}${s.pastMaximum ? ' (past the maximum)' : ''} |`,
    );
  return lines;
}

/** A maximum sustained rate, or that not even the first step was sustained. */
const maxText = (max, steps) => (max === null ? `none sustained (below ${steps?.[0]?.offeredRate}/s)` : `${max}/s`);

/** "met", or how far the measurement is from the goal. */
function verdict(measured, goal, direction, unit = '') {
  if (measured === null || measured === undefined) return 'not measured';
  const met = direction === '≤' ? measured <= goal : measured >= goal;
  if (met) return 'met';
  const factor = ratio(measured, goal);
  return direction === '≤' ? `no: ${factor}× the goal (+${Math.round((measured - goal) * 100) / 100}${unit})` : `no: ${factor} of the goal`;
}

/** Issue 18's goals, each against what this run measured. */
function goalRows(r) {
  const rows = [];
  // The last run of a rate: the retry when the first was not sustained.
  const at = (steps, rate) => steps?.filter((s) => s.offeredRate === rate).at(-1);
  const sm = r.summary;
  if (sm) {
    const relayNote = sm.relaySaturated ? '' : ' (the relay sustained every step: its maximum is at least this)';
    rows.push([
      'maximum sustained durable rate ≥ 0.5 of the bare relay',
      `${maxText(sm.maxDurableRate, r.send)} vs ${maxText(sm.relayMaxRate, r.relay)}${relayNote} = ${dash(sm.ratioToRelay)}`,
      sm.relaySaturated ? verdict(sm.ratioToRelay, 0.5, '≥') : 'not measured: the relay did not saturate within BENCH_RATES',
    ]);
    const s2k = at(r.send, GOAL_RATES[0]);
    rows.push([
      'send→deliver p99 ≤ 20 ms at 2,000 msgs/s',
      s2k ? `${s2k.deliver.p99} ms${s2k.sustained ? '' : ` (of the delivered; delivered/sent ${s2k.deliveredRatio})`}` : 'no 2,000/s step',
      // A p99 of what got through says nothing of a step that did not get through.
      s2k && !s2k.sustained ? 'no: the step was not sustained' : verdict(s2k?.deliver.p99, 20, '≤', ' ms'),
    ]);
    const s4k = at(r.send, GOAL_RATES[1]);
    const r4k = at(r.relay, GOAL_RATES[1]);
    const cpuRatio = ratio(s4k?.cpuSecondsPer1000, r4k?.cpuSecondsPer1000);
    rows.push([
      'service CPU per message ≤ 2× the relay’s at 4,000 msgs/s',
      s4k && r4k
        ? `${s4k.cpuSecondsPer1000} vs ${r4k.cpuSecondsPer1000} CPU-s per 1k = ${cpuRatio}×`
        : 'no 4,000/s step on both sides (not in BENCH_RATES, or a side stopped before it)',
      verdict(cpuRatio, 2, '≤', '×'),
    ]);
    rows.push([
      'PostgreSQL CPU per message halved (the issue measured 0.44 CPU-s per 1k at 2,000/s: ≤ 0.22)',
      s2k ? `${dash(s2k.postgresCpuSecondsPer1000)} CPU-s per 1k` : 'no 2,000/s step',
      verdict(s2k?.postgresCpuSecondsPer1000, 0.22, '≤'),
    ]);
  }
  const o = r.overload;
  if (o) {
    rows.push([
      `overload (${o.offeredRate}/s for ${o.seconds} s): every send answered within 1 s`,
      `${Math.round(o.answeredWithin1sShare * 10000) / 100} % (${o.acked} acked, refused ${JSON.stringify(o.refused)}, ${o.unanswered} unanswered)`,
      o.answeredWithin1sShare === 1 ? 'met' : `no: ${o.sent - Math.round(o.answeredWithin1sShare * o.sent)} later or never`,
    ]);
    rows.push(['overload: RSS grows by ≤ 100 MiB', `+${o.rssGrowthMiB} MiB`, verdict(o.rssGrowthMiB, 100, '≤', ' MiB')]);
    rows.push([
      'overload: p99 back under 100 ms within 5 s after it ends',
      o.recoverySeconds === null ? `not within the ${o.tail.seconds} s tail` : `${o.recoverySeconds} s`,
      o.recoverySeconds === null ? `no: > ${o.tail.seconds} s` : verdict(o.recoverySeconds, 5, '≤', ' s'),
    ]);
    rows.push([
      'overload: nothing acknowledged lost',
      `${o.ackedFoundInDatabase} of ${o.ackedTotal} acked in the database`,
      o.ackedLost === 0 ? 'met' : `no: ${o.ackedLost} lost`,
    ]);
  }
  const h = r.historyRich ?? r.history;
  if (h) {
    const kind = r.historyRich ? 'with replies and reactions' : 'plain messages';
    const worst = (side) => Math.max(h.first[side].p99, h.depth500k[side].p99);
    rows.push([
      `history p99 ≤ 5 ms over REST (1,000,000 messages, first page and 500,000 deep, ${kind})`,
      `${worst('rest')} ms`,
      verdict(worst('rest'), 5, '≤', ' ms'),
    ]);
    rows.push([`history p99 ≤ 3 ms over the socket (same pages)`, `${worst('socket')} ms`, verdict(worst('socket'), 3, '≤', ' ms')]);
  }
  if (r.chatList) rows.push(['chat list p99 ≤ 10 ms at 1,000 chats', `${r.chatList.p99} ms`, verdict(r.chatList.p99, 10, '≤', ' ms')]);
  for (const c of r.coldStart ?? []) {
    const goal = c.kind.startsWith('empty') ? 3000 : 1500;
    rows.push([`embedded cold start ≤ ${goal / 1000} s on an ${c.kind}`, `${c.msToHealthy} ms`, verdict(c.msToHealthy, goal, '≤', ' ms')]);
  }
  return rows;
}

function markdown(r) {
  const lines = [];
  lines.push(
    `Benchmark ${r.date} on ${r.machine}. Send steps of ${SECONDS} s after a warm-up of ${WARMUP.seconds} s at ${WARMUP.rate}/s (not counted), ${PAIRS} 1:1 pairs, loopback, the same open-loop driver for the service and the relay; a step is sustained when delivered/sent ≥ ${SUSTAINED.deliveredRatio} and send→deliver p99 ≤ ${SUSTAINED.deliverP99Ms} ms, and each side stops at its first step that is not (a step that is not runs once more first). Driver CPU is this process's share of one core (near 1: the driver is the limit); driver lag is how late its last send left.`,
    '',
  );
  if (r.searchIndex === 'off')
    lines.push('Send steps without the search index and its indexer (BENCH_SEARCH_INDEX=off; the send still queues its row).', '');
  if (r.send)
    lines.push(
      'The service (CPU-s per 1k: the service process; PostgreSQL: its backends and background processes):',
      '',
      ...stepTable(r.send, true),
      '',
    );
  if (r.relay) lines.push('The bare socket.io relay (`bench/relay.js`, no database, no auth):', '', ...stepTable(r.relay, false), '');
  if (r.summary) {
    const sm = r.summary;
    lines.push(
      `Maximum sustained rate: service ${maxText(sm.maxDurableRate, r.send)}, relay ${maxText(sm.relayMaxRate, r.relay)}${sm.relaySaturated ? '' : ' (sustained every step)'}: ratio ${dash(sm.ratioToRelay)}.`,
      '',
    );
  }
  if (r.sendMentions?.length) {
    lines.push(
      'With an @mention of the peer in every message (the steps the plain run sustained):',
      '',
      ...stepTable(r.sendMentions, true),
      '',
    );
    lines.push(
      `Maximum sustained rate with mentions: ${dash(r.summary?.maxMentionRate)}/s = ${dash(r.summary?.mentionRatio)} of the plain rate in the same run.`,
      '',
    );
  }
  if (r.dbCeiling)
    lines.push(
      `Database ceiling (the same rows straight into PostgreSQL, one transaction per message, ${r.dbCeiling.concurrency} connections): ${r.dbCeiling.perSecond}/s, commit p99 ${r.dbCeiling.commit.p99} ms; the service's maximum is ${dash(r.summary?.ratioToDb)} of it.`,
      '',
    );
  if (r.overload) {
    const o = r.overload;
    lines.push(
      `Overload: ${o.offeredRate}/s (${o.rateSource}) for ${o.seconds} s, then ${o.tail.rate}/s for ${o.tail.seconds} s. Of ${o.sent} sends during it ${Math.round(o.answeredWithin1sShare * 10000) / 100} % were answered within 1 s: ${o.acked} acked (ack p50 / p99 ${o.ack.p50} / ${o.ack.p99} ms), refused ${JSON.stringify(o.refused)} (answered in p99 ${dash(o.refusedAnswer.p99)} ms; ${o.refusedWithRetryAfter} refusals in all with a retryAfter), ${o.unanswered} unanswered. Service RSS ${o.rssBeforeMiB} MiB before, +${o.rssGrowthMiB} MiB at most. Send→deliver p99 of each second of the tail (ms; – when a send was never delivered): ${o.tail.windowP99.map(dash).join(', ')}; back under 100 ms ${o.recoverySeconds === null ? 'not within the tail' : `${o.recoverySeconds} s after the overload`}. ${o.ackedFoundInDatabase} of ${o.ackedTotal} acked messages in the database afterwards (${o.ackedLost} lost; ${o.refusedButStored} refused but stored; ${o.unansweredAtEnd} of the overload and tail sends still unanswered 10 s after the last send). CPU-s per 1k acked: service ${o.cpuSecondsPer1000}, PostgreSQL ${o.postgresCpuSecondsPer1000}.`,
      '',
    );
  }
  if (r.fanout) {
    lines.push(
      '| fan-out: msgs/s in a 50-member group (49 deliveries each) | deliveries/s | delivered / expected | deliver p50 / p99 ms | server CPU-s |',
      '|---|---|---|---|---|',
    );
    for (const f of r.fanout)
      lines.push(
        `| ${f.messagesPerSecond} | ${f.deliveriesPerSecond} | ${f.deliveries} / ${f.expected} | ${f.deliver.p50} / ${f.deliver.p99} | ${f.cpuSeconds} |`,
      );
    lines.push('');
  }
  if (r.history) {
    const rich = r.historyRich;
    lines.push(
      `| history page (15 of 1,000,000) | REST p50 / p99 ms | socket p50 / p99 ms |${rich ? ' with replies and reactions: REST p50 / p99 ms | socket p50 / p99 ms |' : ''}`,
      `|---|---|---|${rich ? '---|---|' : ''}`,
    );
    for (const [k, v] of Object.entries(r.history)) {
      const w = rich?.[k];
      lines.push(
        `| ${k} | ${v.rest.p50} / ${v.rest.p99} | ${v.socket.p50} / ${v.socket.p99} |${w ? ` ${w.rest.p50} / ${w.rest.p99} | ${w.socket.p50} / ${w.socket.p99} |` : ''}`,
      );
    }
    if (r.historyRichData)
      lines.push(
        '',
        `With replies and reactions: ${r.historyRichData.replies} of the messages reply to the one before (every 10th, and all around the measured pages), ${r.historyRichData.reactions} reactions (10 on each message around the measured pages, 1 on every 50th).`,
      );
    lines.push('');
  }
  if (r.chatList)
    lines.push(`Chat list, first page of 50 for a user in 1,000 chats: p50 ${r.chatList.p50} ms, p99 ${r.chatList.p99} ms.`, '');
  if (r.connections) {
    lines.push('| idle sockets | server RSS MiB | RSS per connection KiB |', '|---|---|---|');
    for (const c of r.connections) lines.push(`| ${c.sockets} | ${c.rssMiB} | ${c.rssPerConnectionKiB} |`);
    lines.push('');
  }
  if (r.coldStart)
    lines.push(`Embedded mode start to /health 200: ${r.coldStart.map((c) => `${c.kind} ${c.msToHealthy} ms`).join(', ')}.`, '');
  const goals = goalRows(r);
  if (goals.length) {
    lines.push('Issue 18’s goals in this run:', '', '| goal | measured | met? |', '|---|---|---|');
    for (const [goal, measured, met] of goals) lines.push(`| ${goal} | ${measured} | ${met} |`);
    lines.push('');
  }
  if (r.search) lines.push(searchMarkdown(r));
  if (r.slowReader) lines.push(slowReaderMarkdown(r));
  if (r.push) lines.push(...pushMarkdown(r.push));
  if (r.balancer) lines.push(...balancerMarkdown(r.balancer));
  if (r.adapters) lines.push(...adaptersMarkdown(r.adapters));
  return lines.join('\n');
}

async function main() {
  const results = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
  if (wanted('send') || wanted('overload')) await serviceScenarios(results);
  if (wanted('send')) await relayScenario(results);
  if (wanted('fanout')) await fanoutScenario(results);
  if (wanted('history') || wanted('chatlist') || wanted('connections')) await readScenarios(results);
  if (wanted('coldstart')) await coldStart(results);
  if (ONLY?.includes('slowreader')) await slowReaderScenario(results, log);
  if (wanted('search')) await searchScenario(results);
  // Opt-in, as slowreader: push (~9 min) and balancer (~2.5 min, needs HAProxy) would take a full run past 25 minutes.
  if (ONLY?.includes('push')) await pushScenario(results, { openLoop, connectMany, closeAll, seconds: SECONDS, log });
  if (ONLY?.includes('balancer')) await balancerScenario(results, { openLoop, seconds: SECONDS, log });
  // Opt-in too (~12 min, its own Redis Cluster): which socket.io adapter on Redis Cluster.
  if (ONLY?.includes('adapters')) await adaptersScenario(results, { openLoop, drive, connectMany, seconds: SECONDS, log });
  if (results.send) {
    const max = maxSustained(results.send);
    const relayMax = maxSustained(results.relay);
    const maxMentions = maxSustained(results.sendMentions);
    results.summary = {
      maxDurableRate: max,
      relayMaxRate: relayMax,
      ratioToRelay: ratio(max, relayMax),
      // false when the last step was still sustained: the maximum is only a lower bound.
      serviceSaturated: results.send.length > 0 && !results.send.at(-1).sustained,
      relaySaturated: results.relay.length > 0 && !results.relay.at(-1).sustained,
      ratioToDb: ratio(max, results.dbCeiling.perSecond),
      maxMentionRate: maxMentions,
      mentionRatio: ratio(maxMentions, max),
    };
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  // An adapters-only run gets files of its own name (<date>-adapters).
  const stamp = results.date.slice(0, 16).replace(/[:T]/g, '-') + (ONLY?.join() === 'adapters' ? '-adapters' : '');
  writeFileSync(join(__dirname, 'results', `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(__dirname, 'results', `${stamp}.md`), `${md}\n`);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
