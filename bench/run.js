'use strict';
// `npm run bench`: starts the built service on a fresh database of the local PostgreSQL, drives it
// from this process with real socket.io clients, and writes bench/results/<date>.{json,md}.
// Loopback only; every scenario is bounded in time. BENCH_ONLY=send,fanout,…,search,push,balancer picks scenarios,
// BENCH_SECONDS shortens each send step (default 10). BENCH_SEARCH_INDEX=off runs the send steps
// without the search column and index (to compare the send rate with and without them).
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

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const RATES = (process.env.BENCH_RATES || '500,1000,2000,4000,8000').split(',').map(Number);
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
 * Open loop: `rate` sends per second spread over the pairs for `seconds`, whatever the answers. A
 * pair without a `receiver` (an offline recipient) counts acks only.
 */
/** `textFor(pair, n)` gives the n-th message's text (default `m<n>`). */
async function openLoop(pairs, rate, seconds, pid, textFor = (_pair, n) => `m${n}`) {
  const sentAt = new Map();
  const ackLat = [];
  const deliverLat = [];
  let acked = 0;
  let ackedInWindow = 0;
  let failed = 0;
  let delivered = 0;
  const handlers = pairs.map((p) => {
    if (!p.receiver) return () => undefined;
    const onNew = (m) => {
      const t = sentAt.get(m.clientId);
      if (t === undefined) return;
      deliverLat.push(lib.nowMs() - t);
      delivered += 1;
    };
    p.receiver.on('message:new', onNew);
    return () => p.receiver.off('message:new', onNew);
  });
  const cpu0 = pid ? lib.procStats(pid).cpuSeconds : 0;
  const total = Math.round(rate * seconds);
  const start = lib.nowMs();
  let sent = 0;
  await new Promise((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((lib.nowMs() - start) * rate) / 1000));
      while (sent < due) {
        const pair = pairs[sent % pairs.length];
        const clientId = randomUUID();
        const t = lib.nowMs();
        sentAt.set(clientId, t);
        sent += 1;
        pair.sender.emit('message:send', { chatId: pair.chatId, clientId, text: textFor(pair, sent) }, (ack) => {
          const now = lib.nowMs();
          if (ack && ack.ok) {
            acked += 1;
            if (now - start <= seconds * 1000) ackedInWindow += 1;
            ackLat.push(now - t);
          } else failed += 1;
        });
      }
      if (sent >= total) return done();
      setTimeout(tick, 2);
    };
    tick();
  });
  const drainUntil = lib.nowMs() + 10000;
  const receiving = pairs.some((p) => p.receiver);
  while ((acked + failed < sent || (receiving && delivered < acked)) && lib.nowMs() < drainUntil) await lib.sleep(20);
  const elapsed = (lib.nowMs() - start) / 1000;
  const cpu = pid ? lib.procStats(pid).cpuSeconds - cpu0 : null;
  handlers.forEach((off) => off());
  return {
    offeredRate: rate,
    sent,
    acked,
    failed,
    delivered,
    deliveredRatio: sent ? Math.round((delivered / sent) * 1000) / 1000 : null,
    ackedPerSecond: Math.round(acked / Math.max(seconds, elapsed)),
    ackedInWindowPerSecond: Math.round(ackedInWindow / seconds),
    ack: lib.summarize(ackLat),
    deliver: lib.summarize(deliverLat),
    cpuSecondsPer1000: cpu === null || !acked ? null : Math.round((cpu / acked) * 1000 * 1000) / 1000,
  };
}

async function sendScenario(results) {
  const dbUrl = await lib.createDatabase();
  const svc = await lib.startService({ DATABASE_URL: dbUrl });
  const db = lib.newPool(dbUrl, 4);
  try {
    if (process.env.BENCH_SEARCH_INDEX === 'off') {
      await db.query('DROP INDEX ix_messages_search');
      await db.query('ALTER TABLE messages DROP COLUMN search_vector');
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
    // Each rate twice: plain text, then the same with an @mention of the peer (parsed and stored on send).
    const mentioning = (pair, n) => `@${pair.peer.username} m${n}`;
    results.send = [];
    results.sendMentions = [];
    for (const rate of RATES) {
      log(`send→deliver through the service at ${rate}/s`);
      results.send.push(await openLoop(pairs, rate, SECONDS, svc.proc.pid));
      await lib.sleep(1000);
      log(`the same with a mention in every message at ${rate}/s`);
      results.sendMentions.push(await openLoop(pairs, rate, SECONDS, svc.proc.pid, mentioning));
      await lib.sleep(1000);
    }
    closeAll(sockets);
    results.messagesStored = Number((await db.query('SELECT count(*) FROM messages')).rows[0].count);
    // The database ceiling: the same rows, one transaction per message, at the service's pool size.
    log('database ceiling');
    results.dbCeiling = await dbCeiling(dbUrl, chatIds, users);
  } finally {
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
  }

  const relay = await lib.startProcess(join(__dirname, 'relay.js'), {});
  try {
    const auth = [];
    for (let i = 0; i < PAIRS; i++) auth.push({ user: `a${i}`, peer: `b${i}` }, { user: `b${i}`, peer: `a${i}` });
    const sockets = await connectMany(relay.url, auth);
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({ chatId: `c${i}`, sender: sockets[2 * i], receiver: sockets[2 * i + 1] }));
    results.relay = [];
    for (const rate of RATES) {
      log(`send→deliver through the bare relay at ${rate}/s`);
      results.relay.push(await openLoop(pairs, rate, SECONDS, relay.proc.pid));
      await lib.sleep(500);
    }
    closeAll(sockets);
  } finally {
    await relay.stop();
  }
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
      await db.query('ANALYZE messages');
      results.historySeedSeconds = Math.round(lib.nowMs() - t0) / 1000;
      const auth = { Authorization: `Bearer ${reader.token}` };
      const socket = await connect(svc.url, { token: reader.token });
      const pages = { first: undefined, depth500k: 500001, depth999k: 1001 };
      results.history = {};
      for (const [name, before] of Object.entries(pages)) {
        const qs = before ? `?before=${before}&limit=15` : '?limit=15';
        const check = await (await fetch(`${svc.url}/api/chats/${chatId}/messages${qs}`, { headers: auth })).json();
        if (!Array.isArray(check.items) || check.items.length !== 15)
          throw new Error(`history ${name}: ${JSON.stringify(check).slice(0, 200)}`);
        const rest = await timeRequests(300, async () => {
          const res = await fetch(`${svc.url}/api/chats/${chatId}/messages${qs}`, { headers: auth });
          await res.arrayBuffer();
        });
        const sock = await timeRequests(300, () => new Promise((ok) => socket.emit('messages:history', { chatId, before, limit: 15 }, ok)));
        results.history[name] = { rest, socket: sock };
      }
      // v1.1: the newest page again once every message on it replies to the one before and carries
      // 10 reactions (10 users, one emoji each): the same number of statements, so no worse.
      const voters = await lib.seedUsers(db, 10, 'r');
      const emoji = ['👍', '❤️', '😂', '🎉', '🔥', '👀', '🙏', '💯', '😮', '😢'];
      await db.query('UPDATE messages SET reply_to_seq = seq - 1 WHERE chat_id = $1 AND seq > 999900', [chatId]);
      await db.query(
        `INSERT INTO message_reactions (message_id, user_id, emoji, emoji_added_at)
         SELECT m.id, v.id, v.emoji, m.created_at FROM messages m, unnest($2::uuid[], $3::text[]) AS v(id, emoji)
          WHERE m.chat_id = $1 AND m.seq > 999900`,
        [chatId, voters.map((v) => v.id), emoji],
      );
      const rich = await (await fetch(`${svc.url}/api/chats/${chatId}/messages?limit=15`, { headers: auth })).json();
      if (rich.items?.[0]?.reactions?.length !== 10 || !rich.items[0].replyTo) throw new Error('history with reactions: not seeded');
      results.history.firstWithRepliesAnd10Reactions = {
        rest: await timeRequests(300, async () => {
          const res = await fetch(`${svc.url}/api/chats/${chatId}/messages?limit=15`, { headers: auth });
          await res.arrayBuffer();
        }),
        socket: await timeRequests(300, () => new Promise((ok) => socket.emit('messages:history', { chatId, limit: 15 }, ok))),
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
  return a === null || b === null || !b ? null : Math.round((a / b) * 100) / 100;
}

function markdown(r) {
  const lines = [];
  lines.push(`Benchmark ${r.date} on ${r.machine}. Send steps of ${SECONDS} s, ${PAIRS} 1:1 pairs, loopback.`, '');
  if (r.searchIndex === 'off') lines.push('Send steps without the search column and index (BENCH_SEARCH_INDEX=off).', '');
  if (r.send) {
    lines.push(
      '| offered msgs/s | acked/s | ack p50 / p99 / max ms | deliver p50 / p99 / max ms | delivered/sent | CPU-s per 1k | relay deliver p99 ms | relay acked/s |',
    );
    lines.push('|---|---|---|---|---|---|---|---|');
    r.send.forEach((s, i) => {
      const rl = r.relay[i];
      lines.push(
        `| ${s.offeredRate} | ${s.ackedInWindowPerSecond} | ${s.ack.p50} / ${s.ack.p99} / ${s.ack.max} | ${s.deliver.p50} / ${s.deliver.p99} / ${s.deliver.max} | ${s.deliveredRatio} | ${s.cpuSecondsPer1000} | ${rl.deliver.p99} | ${rl.ackedInWindowPerSecond} |`,
      );
    });
    lines.push(
      '',
      '| with a mention in every message: offered msgs/s | acked/s | ack p50 / p99 ms | deliver p99 ms | CPU-s per 1k |',
      '|---|---|---|---|---|',
    );
    for (const s of r.sendMentions ?? [])
      lines.push(
        `| ${s.offeredRate} | ${s.ackedInWindowPerSecond} | ${s.ack.p50} / ${s.ack.p99} | ${s.deliver.p99} | ${s.cpuSecondsPer1000} |`,
      );
    lines.push(
      '',
      `Max durable rate with mentions: ${r.summary.maxMentionRate}/s = ${r.summary.mentionRatio} of the plain rate in the same run.`,
      `Max durable (acked) rate: ${r.summary.maxDurableRate}/s = ${r.summary.ratioToRelay} of the bare relay (${r.summary.relayMaxRate}/s) and ${r.summary.ratioToDb} of the database ceiling (${r.dbCeiling.perSecond}/s, ${r.dbCeiling.concurrency} connections, commit p99 ${r.dbCeiling.commit.p99} ms).`,
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
    lines.push('| history page (15 of 1,000,000) | REST p50 / p99 ms | socket p50 / p99 ms |', '|---|---|---|');
    for (const [k, v] of Object.entries(r.history))
      lines.push(`| ${k} | ${v.rest.p50} / ${v.rest.p99} | ${v.socket.p50} / ${v.socket.p99} |`);
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
  if (r.search) lines.push(searchMarkdown(r));
  if (r.slowReader) lines.push(slowReaderMarkdown(r));
  if (r.push) lines.push(...pushMarkdown(r.push));
  if (r.balancer) lines.push(...balancerMarkdown(r.balancer));
  return lines.join('\n');
}

async function main() {
  const results = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
  if (wanted('send')) await sendScenario(results);
  if (wanted('fanout')) await fanoutScenario(results);
  if (wanted('history') || wanted('chatlist') || wanted('connections')) await readScenarios(results);
  if (wanted('coldstart')) await coldStart(results);
  if (ONLY?.includes('slowreader')) await slowReaderScenario(results, log);
  if (wanted('search')) await searchScenario(results);
  if (wanted('push')) await pushScenario(results, { openLoop, connectMany, closeAll, seconds: SECONDS, log });
  if (wanted('balancer')) await balancerScenario(results, { openLoop, seconds: SECONDS, log });
  if (results.send) {
    const max = Math.max(...results.send.map((s) => s.ackedInWindowPerSecond));
    const relayMax = Math.max(...results.relay.map((s) => s.ackedInWindowPerSecond));
    results.summary = {
      maxDurableRate: max,
      relayMaxRate: relayMax,
      ratioToRelay: ratio(max, relayMax),
      ratioToDb: ratio(max, results.dbCeiling.perSecond),
    };
    const maxMentions = Math.max(...results.sendMentions.map((s) => s.ackedInWindowPerSecond));
    Object.assign(results.summary, { maxMentionRate: maxMentions, mentionRatio: ratio(maxMentions, max) });
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const stamp = results.date.slice(0, 16).replace(/[:T]/g, '-');
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
