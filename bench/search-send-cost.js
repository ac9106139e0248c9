'use strict';
// The search index's cost on the send's statement, on PostgreSQL alone (no service, no sockets: the
// shared VM's noise on a whole service run hid a 10 % difference). `node bench/search-send-cost.js
// <checkout> <mode>`: a fresh database migrated by that checkout's build, 200 chats, then
// MESSAGES messages through its MessagesRepository.allocateAndInsert (10 chats a statement, 4 at once,
// as the send coalescer batches under load); prints PostgreSQL CPU per message and the rate as JSON.
// Modes: `none` (a build before issue 16's after-commit index: its search column and index dropped,
// so the statement writes nothing for search), `queue` (this build, message_search dropped, no indexer:
// the queue row only), `indexer` (this build, SearchIndexer's batch every 500 ms alongside, counted;
// then the drain of what is left, reported apart).
const { join, resolve } = require('node:path');
const lib = require('./lib');

const MESSAGES = Number(process.env.COST_MESSAGES || 40000);
const CHATS = 200;

async function main() {
  const [checkout, mode] = process.argv.slice(2);
  const dist = (p) => require(join(resolve(checkout), 'dist', 'src', p));
  require(join(resolve(checkout), 'node_modules', 'reflect-metadata'));
  const { DataSource } = require(join(resolve(checkout), 'node_modules', 'typeorm'));
  const dbUrl = await lib.createDatabase();
  const dbName = new URL(dbUrl).pathname.slice(1);
  const ds = new DataSource(dist('database/data-source-options').dataSourceOptions(dbUrl, 6));
  await ds.initialize();
  try {
    await ds.runMigrations();
    if (mode === 'none') {
      await ds.query('DROP INDEX ix_messages_search');
      await ds.query('ALTER TABLE messages DROP COLUMN search_vector');
    }
    if (mode === 'queue') await ds.query('DROP TABLE message_search');
    const db = lib.newPool(dbUrl, 2);
    const users = await lib.seedUsers(db, CHATS * 2, 'c');
    const chats = [];
    for (let i = 0; i < CHATS; i++) chats.push(await lib.seedChat(db, 'direct', [users[2 * i], users[2 * i + 1]]));
    await db.end();
    const { MessagesRepository } = dist('conversations/messages.repository');
    const messages = new MessagesRepository(ds);
    let indexer;
    let indexerStop = false;
    let indexed = 0;
    if (mode === 'indexer') {
      const { SearchRepository } = dist('search/search.repository');
      const search = new SearchRepository(ds);
      indexer = (async () => {
        while (!indexerStop) {
          await lib.sleep(500);
          indexed += await search.indexBatch(1000);
        }
      })();
      indexer.search = search;
    }
    const meter = lib.postgresCpuMeter(dbName);
    const t0 = lib.nowMs();
    let next = 0;
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (next < MESSAGES) {
          const base = next;
          next += 10;
          const items = Array.from({ length: 10 }, (_, k) => {
            const c = (base + k) % CHATS;
            return {
              chatId: chats[c],
              senderId: users[2 * c].id,
              type: 'text',
              text: `meeting tomorrow at noon, message ${base + k} ёлка café`,
            };
          });
          await messages.allocateAndInsert(items);
          meter.sample();
        }
      }),
    );
    const seconds = (lib.nowMs() - t0) / 1000;
    const cpu = meter.seconds();
    const out = {
      mode,
      messages: MESSAGES,
      seconds,
      perSecond: Math.round(MESSAGES / seconds),
      pgCpuUsPerMessage: Math.round((cpu / MESSAGES) * 1e6),
    };
    if (indexer) {
      indexerStop = true;
      await indexer;
      out.indexedDuringSends = indexed;
      const drain = lib.postgresCpuMeter(dbName);
      const d0 = lib.nowMs();
      let left = 0;
      for (;;) {
        const n = await indexer.search.indexBatch(1000);
        left += n;
        if (n === 0) break;
      }
      out.drain = {
        messages: left,
        seconds: (lib.nowMs() - d0) / 1000,
        pgCpuUsPerMessage: left ? Math.round((drain.seconds() / left) * 1e6) : null,
      };
    }
    console.log(JSON.stringify(out));
  } finally {
    await ds.destroy();
    await lib.dropDatabase(dbUrl);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
