'use strict';
// The push scenario of `npm run bench` (BENCH_ONLY=push): the send rate with every recipient online
// next to the rate with every recipient offline (each with a push subscription), the pushes per
// second the worker sustains against a local push service, and the delay from the ack (the
// commit) to the push. Loopback only: the push service is an HTTP server in this process.
const { createECDH, randomBytes, randomUUID } = require('node:crypto');
const { join } = require('node:path');
const lib = require('./lib');

const PAIRS = 200;
const RATES = (process.env.BENCH_PUSH_RATES || '2000,4000,8000').split(',').map(Number);
/** Online and offline steps alternate, this many times per rate: the machine's noise falls on both. */
const ROUNDS = Number(process.env.BENCH_PUSH_ROUNDS || 2);
const DELAY_RATE = 200;

/** The push service: a process of its own (bench/push-service.js) on loopback. */
async function startPushService(keys) {
  const proc = await lib.startProcess(join(__dirname, 'push-service.js'), {
    PUSH_BENCH_P256: keys.ecdh.getPrivateKey().toString('base64url'),
    PUSH_BENCH_AUTH: keys.auth.toString('base64url'),
  });
  return {
    url: proc.url,
    reset: (decrypt = false) => fetch(`${proc.url}/reset${decrypt ? '?decrypt=1' : ''}`, { method: 'POST' }),
    stats: async () => (await fetch(`${proc.url}/stats`)).json(),
    close: () => proc.stop(),
  };
}

async function owed(db) {
  const { rows } = await db.query(
    'SELECT (SELECT count(*) FROM push_outbox)::int AS outbox, (SELECT count(*) FROM push_deliveries)::int AS deliveries',
  );
  return rows[0];
}

/** Waits until the worker has sent everything (or `limitMs` passed); returns how long it took. */
async function drain(db, limitMs) {
  const start = lib.nowMs();
  for (;;) {
    const { outbox, deliveries } = await owed(db);
    if (outbox + deliveries === 0) return { seconds: Math.round(lib.nowMs() - start) / 1000, left: 0 };
    if (lib.nowMs() - start > limitMs) return { seconds: Math.round(lib.nowMs() - start) / 1000, left: outbox + deliveries };
    await lib.sleep(100);
  }
}

async function pushScenario(results, { openLoop, connectMany, closeAll, seconds, log }) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { ecdh, auth: randomBytes(16) };
  const push = await startPushService(keys);
  const dbUrl = await lib.createDatabase();
  const svc = await lib.startService({ DATABASE_URL: dbUrl, PUSH_ENDPOINT_ALLOW: '127.0.0.1' });
  const db = lib.newPool(dbUrl, 4);
  try {
    const users = await lib.seedUsers(db, PAIRS * 2, 'q');
    const chatIds = [];
    for (let i = 0; i < PAIRS; i++) chatIds.push(await lib.seedChat(db, 'direct', [users[2 * i], users[2 * i + 1]]));
    const receivers = users.filter((_, i) => i % 2 === 1);
    // Every recipient's session is subscribed (one key pair for all: encryption costs the same per push).
    await db.query(
      `INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth)
       SELECT uid, sid, $3 || '/push/' || sid, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS t(uid, sid)`,
      [
        receivers.map((u) => u.id),
        receivers.map((u) => u.sessionId),
        push.url,
        ecdh.getPublicKey().toString('base64url'),
        keys.auth.toString('base64url'),
      ],
    );
    const senders = await connectMany(
      svc.url,
      users.filter((_, i) => i % 2 === 0).map((u) => ({ token: u.token })),
    );
    const out = { online: [], offline: [] };
    const step = async (rate, online) => {
      const receiving = online
        ? await connectMany(
            svc.url,
            receivers.map((u) => ({ token: u.token })),
          )
        : [];
      await lib.sleep(1000);
      log(`push: every recipient ${online ? 'online (subscribed, connected)' : 'offline (subscribed, no socket)'} at ${rate}/s`);
      await push.reset();
      const pairs = chatIds.map((chatId, i) => ({ chatId, sender: senders[i], receiver: receiving[i] }));
      const result = await openLoop(pairs, rate, seconds, svc.proc.pid);
      const duringSends = (await push.stats()).count;
      const drained = await drain(db, 240000);
      const { count } = await push.stats();
      closeAll(receiving);
      return {
        ...result,
        pushes: count,
        pushesDuringSends: duringSends,
        drainSecondsAfterSends: drained.seconds,
        leftAfterDrain: drained.left,
        // The backlog left when the sends stopped, sent by the worker alone: what it sustains.
        pushesPerSecond: drained.seconds > 1 ? Math.round((count - duringSends) / drained.seconds) : null,
      };
    };
    for (const rate of RATES) {
      for (let round = 0; round < ROUNDS; round++) {
        out.online.push(await step(rate, true));
        out.offline.push(await step(rate, false));
      }
    }

    log(`push: delay from the ack to the push, at ${DELAY_RATE}/s, recipients offline`);
    await lib.sleep(1000);
    await push.reset(true);
    const acks = new Map();
    const total = DELAY_RATE * seconds;
    const start = lib.nowMs();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / DELAY_RATE - lib.nowMs();
      if (wait > 1) await lib.sleep(wait);
      senders[i % PAIRS].emit('message:send', { chatId: chatIds[i % PAIRS], clientId: randomUUID(), text: `d${i}` }, (ack) => {
        if (ack && ack.ok) acks.set(ack.data.id, Date.now());
      });
    }
    await drain(db, 60000);
    const { arrivals } = await push.stats();
    const delays = [...acks].filter(([id]) => id in arrivals).map(([id, at]) => arrivals[id] - at);
    out.delay = { rate: DELAY_RATE, acked: acks.size, pushed: Object.keys(arrivals).length, ...lib.summarize(delays) };
    closeAll(senders);

    const maxOnline = Math.max(...out.online.map((s) => s.ackedInWindowPerSecond));
    const maxOffline = Math.max(...out.offline.map((s) => s.ackedInWindowPerSecond));
    out.summary = {
      maxOnline,
      maxOffline,
      offlineToOnline: Math.round((maxOffline / maxOnline) * 100) / 100,
      workerPushesPerSecond: Math.max(...out.offline.map((s) => s.pushesPerSecond ?? 0)),
    };
    results.push = out;
  } finally {
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
    await push.close();
  }
}

function pushMarkdown(p) {
  const lines = [
    `Push (${PAIRS} 1:1 pairs, every recipient subscribed; a local push service answering 201; online and offline steps alternate):`,
    '',
    '| offered msgs/s | acked/s, recipients online | ack p50 / p99 ms | acked/s, recipients offline | ack p50 / p99 ms | pushes (during the sends) | backlog sent after, pushes/s | drained after |',
    '|---|---|---|---|---|---|---|---|',
  ];
  p.online.forEach((on, i) => {
    const off = p.offline[i];
    lines.push(
      `| ${on.offeredRate} | ${on.ackedInWindowPerSecond} | ${on.ack.p50} / ${on.ack.p99} | ${off.ackedInWindowPerSecond} | ${off.ack.p50} / ${off.ack.p99} | ${off.pushes} (${off.pushesDuringSends}) | ${off.pushesPerSecond} | ${off.drainSecondsAfterSends} s |`,
    );
  });
  lines.push(
    '',
    `Max send rate: ${p.summary.maxOnline}/s with every recipient online, ${p.summary.maxOffline}/s with every recipient offline (${p.summary.offlineToOnline} of it). ` +
      `Alone (after the sends), the worker sent ${p.summary.workerPushesPerSecond} pushes/s. Ack → push at ${p.delay.rate} msgs/s: p50 ${p.delay.p50} ms, p99 ${p.delay.p99} ms (${p.delay.pushed} of ${p.delay.acked}).`,
    '',
  );
  return lines;
}

module.exports = { pushScenario, pushMarkdown };
