'use strict';
// The slow-reader scenario of `npm run bench` (BENCH_ONLY=slowreader), issue 18: one socket stops
// reading its TCP connection while 20,000 messages of 1 KB are sent to it; the service's RSS before
// and at its peak, whether the socket was closed (and with which reason), and whether another
// receiver kept getting its messages meanwhile. Opt-in only (BENCH_ONLY=slowreader): unfinished, the
// sends stall after the first ack here (not yet understood; the e2e test's sender, awaiting each
// ack, does not stall), so it is not part of a plain `npm run bench`.
const { randomUUID } = require('node:crypto');
const { io } = require('socket.io-client');
const lib = require('./lib');

const MESSAGES = Number(process.env.BENCH_SLOW_MESSAGES || 20000);
const IN_FLIGHT = 100;

function connect(url, token) {
  return new Promise((ok, fail) => {
    const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 20000 });
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', fail);
  });
}

async function slowReaderScenario(results, log) {
  const dbUrl = await lib.createDatabase();
  const svc = await lib.startService({ DATABASE_URL: dbUrl });
  const db = lib.newPool(dbUrl, 2);
  const sockets = [];
  try {
    const [sender, slow, other] = await lib.seedUsers(db, 3, 's');
    const slowChat = await lib.seedChat(db, 'direct', [sender, slow]);
    const otherChat = await lib.seedChat(db, 'direct', [sender, other]);
    const [s, r, o] = await Promise.all([sender, slow, other].map((u) => connect(svc.url, u.token)));
    sockets.push(s, r, o);
    let closing = null;
    let disconnectReason = null;
    r.on('server:closing', (notice) => (closing = notice));
    r.on('disconnect', (reason) => (disconnectReason = reason));
    let otherGot = 0;
    o.on('message:new', () => otherGot++);
    await lib.sleep(1000);
    const rssBefore = lib.procStats(svc.proc.pid).rssBytes;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, lib.procStats(svc.proc.pid).rssBytes)), 50);
    const tcp = r.io.engine.transport.ws._socket;
    log('slow reader: sending');
    tcp.pause();
    const text = 'x'.repeat(1024);
    let next = 0;
    let acked = 0;
    let otherSent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < MESSAGES) {
          const i = next++;
          // Every 100th message goes to the other receiver, to see that it keeps getting them.
          const toOther = i % 100 === 0;
          if (toOther) otherSent++;
          const ack = await s
            .timeout(30000)
            .emitWithAck('message:send', { chatId: toOther ? otherChat : slowChat, clientId: randomUUID(), text });
          if (ack.ok) acked++;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    log(`slow reader: sent, ${acked} acked`);
    await lib.sleep(2000);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, lib.procStats(svc.proc.pid).rssBytes);
    tcp.resume();
    for (let i = 0; i < 100 && disconnectReason === null; i++) await lib.sleep(100);
    results.slowReader = {
      messages: MESSAGES,
      bytesEach: text.length,
      acked,
      seconds: Math.round(seconds * 10) / 10,
      rssBeforeMiB: Math.round(rssBefore / 1048576),
      rssPeakMiB: Math.round(rssPeak / 1048576),
      rssGrowthMiB: Math.round(((rssPeak - rssBefore) / 1048576) * 10) / 10,
      closing,
      disconnectReason,
      otherReceived: `${otherGot}/${otherSent}`,
    };
    log(`slow reader: ${JSON.stringify(results.slowReader)}`);
  } finally {
    for (const socket of sockets) socket.close();
    await db.end();
    await svc.stop();
    await lib.dropDatabase(dbUrl);
  }
}

function slowReaderMarkdown(r) {
  const s = r.slowReader;
  return `Slow reader (one socket stops reading; ${s.messages} messages of ${s.bytesEach} B sent to it, ${s.acked} acked in ${s.seconds} s): service RSS ${s.rssBeforeMiB} → peak ${s.rssPeakMiB} MiB (+${s.rssGrowthMiB} MiB); socket closed with ${s.closing ? s.closing.reason : 'no notice'} (${s.disconnectReason}); another receiver got ${s.otherReceived} meanwhile.\n`;
}

module.exports = { slowReaderScenario, slowReaderMarkdown };
