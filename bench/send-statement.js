'use strict';
// What one send statement costs PostgreSQL, by how many messages it carries (the send coalescer's
// batch; src/conversations/send-coalescer.ts). `npm run build`, then `node bench/send-statement.js`:
// a fresh database migrated by this build, 200 direct chats, then the statement that
// MessagesRepository.allocateAndInsert builds, sent straight over `pg` on one connection (each
// statement its own commit, one at a time), as a named prepared statement (as the service sends it)
// and unnamed (planned on every call). Prints the backend's CPU per message (utime + stime from
// /proc, so the commit's own work is in it) and the wall time per message. BENCH_STATEMENT_BATCHES
// sets the batch sizes (default 1,4,16,64). Needs the database server on this machine (/proc).
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const lib = require('./lib');

const { MessagesRepository } = require(join(__dirname, '..', 'dist', 'src', 'conversations', 'messages.repository'));
const BATCHES = (process.env.BENCH_STATEMENT_BATCHES || '1,4,16,64').split(',').map(Number);
const CHATS = 200;
const TICK_US = 10_000;

/** A manager whose pool keeps the last statement it was given instead of running it. */
let captured;
const capturing = { connection: { driver: { master: { query: async (config) => ((captured = config), { rows: [] }) } } } };
const repository = new MessagesRepository({ manager: capturing });

/** The statement's text and values, as the repository would send them. */
async function statementOf(items) {
  await repository.allocateAndInsert(items, capturing);
  return captured;
}

/** CPU ticks (1/100 s) of a process so far. */
function ticks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function main() {
  const dbUrl = await lib.createDatabase();
  // The service's start runs the migrations.
  await (await lib.startService({ DATABASE_URL: dbUrl })).stop();
  const db = lib.newPool(dbUrl, 2);
  const client = await db.connect();
  try {
    const users = await lib.seedUsers(db, CHATS * 2, 's');
    const chats = [];
    for (let i = 0; i < CHATS; i++)
      chats.push({ id: await lib.seedChat(db, 'direct', [users[2 * i], users[2 * i + 1]]), sender: users[2 * i].id });
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    let k = 0;
    const run = async (batch, named) => {
      const items = Array.from({ length: batch }, () => {
        const chat = chats[k++ % CHATS];
        return { chatId: chat.id, senderId: chat.sender, type: 'text', text: `hello ${k}`, clientId: randomUUID(), checkSender: true };
      });
      const { name, text, values } = await statementOf(items);
      await client.query(named ? { name, text, values } : { text, values });
    };
    for (const named of [true, false])
      for (const batch of BATCHES) {
        const messages = Math.max(2000, batch * 100);
        for (let i = 0; i < 20; i++) await run(batch, named);
        const [before, started] = [ticks(pid), lib.nowMs()];
        for (let i = 0; i < messages / batch; i++) await run(batch, named);
        const row = {
          statement: named ? 'named' : 'unnamed',
          batch,
          messages,
          backendCpuUsPerMessage: Math.round(((ticks(pid) - before) * TICK_US) / messages),
          wallUsPerMessage: Math.round(((lib.nowMs() - started) * 1000) / messages),
        };
        console.log(JSON.stringify(row));
      }
  } finally {
    client.release();
    await db.end();
    await lib.dropDatabase(dbUrl);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
