'use strict';
// The search scenario of `npm run bench` (BENCH_ONLY=search): 1,000,000 messages over 1,000 chats
// in the local PostgreSQL, the searching user a member of 50 of them (about 50,000 messages);
// p50/p99 of GET /api/search/messages (and messages:search) for a common word, two words, a rare
// word, a prefix, a Chinese substring and one chat, and EXPLAIN (ANALYZE, BUFFERS) of each query.
const { URLSearchParams } = require('node:url');
const lib = require('./lib');
const { makeCorpus } = require('./corpus');

const CHATS = 1000;
const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES || 1000000);
const MY_CHATS = 50;
const REQUESTS = Number(process.env.BENCH_SEARCH_REQUESTS || 200);
const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

/** Messages in time order, chats interleaved as real traffic is; each chat's seqs 1, 2, 3 … */
async function seed(dbUrl, corpus, users, chatIds) {
  const pool = lib.newPool(dbUrl, 2);
  // The index is built once after the load (a GIN build is much faster than a million inserts into it).
  const { rows } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_message_search_vector'`);
  await pool.query('DROP INDEX ix_message_search_vector');
  const seq = new Array(CHATS).fill(0);
  const start = Date.now() - 365 * 86400e3;
  const BATCH = 5000;
  const batches = [];
  for (let i = 0; i < MESSAGES; i += BATCH) {
    const b = { chat: [], seq: [], sender: [], text: [], at: [] };
    for (let j = i; j < Math.min(MESSAGES, i + BATCH); j++) {
      const k = Math.floor(corpus.rnd() * CHATS);
      seq[k] += 1;
      b.chat.push(chatIds[k]);
      b.seq.push(seq[k]);
      b.sender.push(users[k % users.length].id);
      b.text.push(corpus.text());
      b.at.push(new Date(start + (j * 365 * 86400e3) / MESSAGES).toISOString());
    }
    batches.push(b);
  }
  let next = 0;
  // Two loaders: the vectors are computed by the database, one core each, straight into
  // message_search (what the indexer would have made of them after their commits).
  await Promise.all(
    [0, 1].map(async () => {
      while (next < batches.length) {
        const b = batches[next++];
        await pool.query(
          `WITH stored AS (
             INSERT INTO messages (chat_id, seq, sender_id, type, text, created_at)
             SELECT c, s, u, 'text', t, a FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::timestamptz[]) AS x(c, s, u, t, a)
             RETURNING chat_id, seq, created_at, text
           )
           INSERT INTO message_search (chat_id, seq, created_at, vector) SELECT chat_id, seq, created_at, app_search_vector(chat_id, text) FROM stored`,
          [b.chat, b.seq, b.sender, b.text, b.at],
        );
      }
    }),
  );
  await pool.query(`UPDATE chats c SET last_seq = x.n FROM unnest($1::uuid[], $2::int[]) AS x(id, n) WHERE c.id = x.id`, [chatIds, seq]);
  const client = await pool.connect();
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(rows[0].indexdef);
  client.release();
  await pool.query('VACUUM ANALYZE messages, message_search, message_search_queue');
  await pool.end();
}

/** What the service would send for `q` (the same builders, from the build), for EXPLAIN. */
async function explain(orm, db, viewerId, q, chatIds, chatId) {
  const { searchPageSql } = require('../dist/src/search/search.query');
  const { queryWords, substringChecks, tsQueries } = require('../dist/src/search/search-text');
  const { rows } = await db.query(`SELECT string_to_array(app_search_text($1), ' ') AS tokens`, [q]);
  const words = queryWords(rows[0].tokens);
  const { sql, params } = searchPageSql(orm, {
    viewerId,
    chatIds: chatId ? [chatId] : chatIds,
    tsQueries: tsQueries(chatId ? [chatId] : chatIds, words),
    substrings: substringChecks(words),
    chatId,
    limit: 20,
  });
  // On one connection set as the service's are (no JIT: src/database/data-source-options.ts).
  const client = await db.connect();
  let plan;
  try {
    await client.query('SET jit = off');
    plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  } finally {
    await client.query('RESET jit').catch(() => {});
    client.release();
  }
  // The tsqueries of 50 chats are long: cut in the plan lines.
  return plan.rows
    .map((r) => r['QUERY PLAN'].replace(/'[^']*'::tsquery/g, "'…'::tsquery").replace(/'\{[^}]*\}'::tsquery\[\]/g, "'{…}'::tsquery[]"))
    .join('\n');
}

async function searchScenario(results) {
  const { DataSource } = require('typeorm');
  const { dataSourceOptions } = require('../dist/src/database/data-source-options');
  // BENCH_SEARCH_DB=<url> reuses a database kept by BENCH_SEARCH_KEEP=1 (no seeding: before/after runs on the same data).
  const reuse = process.env.BENCH_SEARCH_DB;
  const dbUrl = reuse || (await lib.createDatabase());
  // BENCH_SEARCH_JIT=off: every session of the database without JIT (the experiment that showed a plan
  // costed above jit_above_cost spending ~30 ms compiling for a query that runs in a few). The service
  // now connects without JIT itself, and the EXPLAINs below run so too.
  if (process.env.BENCH_SEARCH_JIT === 'off') {
    const admin = lib.newPool(dbUrl, 1);
    await admin.query(`ALTER DATABASE "${new URL(dbUrl).pathname.slice(1)}" SET jit = off`);
    await admin.end();
    results.searchJit = 'off';
  }
  const svc = await lib.startService({ DATABASE_URL: dbUrl });
  const db = lib.newPool(dbUrl, 4);
  const orm = new DataSource(dataSourceOptions(dbUrl, 1));
  try {
    const corpus = makeCorpus(7);
    let me;
    let mine;
    if (reuse) {
      ({ me, mine } = await seededSearcher(db));
      log(`search: reusing ${dbUrl}`);
    } else {
      const users = await lib.seedUsers(db, 2000, 's');
      me = users[0];
      const chatIds = [];
      // Two members each; the searcher is in every 20th chat.
      for (let i = 0; i < CHATS; i++) {
        const other = users[1 + (i % (users.length - 1))];
        chatIds.push(
          await lib.seedChat(db, 'group', i % (CHATS / MY_CHATS) === 0 ? [other, me] : [other, users[1 + ((i + 7) % (users.length - 1))]]),
        );
      }
      mine = chatIds.filter((_, i) => i % (CHATS / MY_CHATS) === 0);
      log(`search: seeding ${MESSAGES.toLocaleString('en')} messages over ${CHATS} chats`);
      const t0 = lib.nowMs();
      await seed(dbUrl, corpus, users, chatIds);
      results.searchSeedSeconds = Math.round(lib.nowMs() - t0) / 1000;
    }
    const sizes = await db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE chat_id = ANY($1))::int AS mine,
              pg_size_pretty(pg_relation_size('messages')) AS heap, pg_size_pretty(pg_relation_size('message_search')) AS search_heap,
              pg_size_pretty(pg_relation_size('ix_message_search_vector')) AS index
         FROM messages`,
      [mine],
    );
    results.searchData = sizes.rows[0];
    log(`${reuse ? 'kept database' : `seeded in ${results.searchSeedSeconds} s`}: ${JSON.stringify(results.searchData)}`);

    const threeChars = corpus.zh.filter((w) => [...w].length === 3).slice(0, 8);
    const kinds = {
      'common word': ['the'],
      'two words': ['meeting tomorrow', 'you the', 'send file', 'it is'],
      'rare word': corpus.en.slice(2000, 2020),
      prefix: ['meet', 'tomo', 'встре', 'проек'],
      'Chinese substring (3 characters)': threeChars,
      'Russian word': ['завтра', 'спасибо', 'сервер'],
      'one chat, two words': ['meeting tomorrow', 'call later'],
    };
    const auth = { Authorization: `Bearer ${me.token}` };
    const { io } = require('socket.io-client');
    const socket = await new Promise((ok, fail) => {
      const s = io(svc.url, { auth: { token: me.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      s.once('connect', () => ok(s));
      s.once('connect_error', fail);
    });
    await orm.initialize();
    results.search = {};
    results.searchPlans = {};
    for (const [kind, queries] of Object.entries(kinds)) {
      const oneChat = kind.startsWith('one chat');
      const query = (i) => ({ q: queries[i % queries.length], limit: 20, ...(oneChat ? { chatId: mine[i % MY_CHATS] } : {}) });
      const hits = [];
      for (let i = 0; i < queries.length; i++) {
        const res = await fetch(`${svc.url}/api/search/messages?${new URLSearchParams(query(i))}`, { headers: auth });
        const body = await res.json();
        if (res.status !== 200) throw new Error(`search ${kind}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        hits.push(body.items.length);
      }
      log(`search: ${kind} (${queries.length} queries, first page sizes ${hits.join(', ')})`);
      let n = 0;
      const rest = await timeRequests(REQUESTS, async () => {
        const res = await fetch(`${svc.url}/api/search/messages?${new URLSearchParams(query(n++))}`, { headers: auth });
        await res.arrayBuffer();
      });
      let m = 0;
      const sock = await timeRequests(REQUESTS, () => new Promise((ok) => socket.emit('messages:search', query(m++), ok)));
      const q0 = query(0);
      const matches = await db.query(
        `SELECT count(*)::int AS n FROM message_search s JOIN chat_members cm ON cm.chat_id = s.chat_id AND cm.user_id = $1
          WHERE s.vector @@ ANY ($2::tsquery[])`,
        [me.id, require('../dist/src/search/search-text').tsQueries(q0.chatId ? [q0.chatId] : mine, await wordsOf(db, q0.q))],
      );
      results.search[kind] = { example: q0.q, matchesOfExample: matches.rows[0].n, rest, socket: sock };
      results.searchPlans[kind] = { q: q0.q, plan: await explain(orm, db, me.id, q0.q, mine, q0.chatId) };
    }
    socket.close();
  } finally {
    if (orm.isInitialized) await orm.destroy();
    await db.end();
    await svc.stop();
    // BENCH_SEARCH_KEEP=1 keeps the seeded database for EXPLAIN by hand (its URL is logged).
    if (process.env.BENCH_SEARCH_KEEP || reuse) log(`search: kept ${dbUrl}`);
    else await lib.dropDatabase(dbUrl);
  }
}

/** The searcher of a kept database (the one user in 50 chats), a token for its session, and its chats in seeding order. */
async function seededSearcher(db) {
  const { rows } = await db.query(
    `SELECT s.user_id AS id, s.id AS sid FROM sessions s
      WHERE s.user_id = (SELECT user_id FROM chat_members GROUP BY user_id ORDER BY count(*) DESC LIMIT 1) LIMIT 1`,
  );
  const chats = await db.query(
    `SELECT c.id FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $1 ORDER BY c.created_at, c.id`,
    [rows[0].id],
  );
  return { me: { id: rows[0].id, token: lib.signAccessToken(rows[0].id, rows[0].sid) }, mine: chats.rows.map((r) => r.id) };
}

async function wordsOf(db, q) {
  const { queryWords } = require('../dist/src/search/search-text');
  const { rows } = await db.query(`SELECT string_to_array(app_search_text($1), ' ') AS tokens`, [q]);
  return queryWords(rows[0].tokens);
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

function searchMarkdown(r) {
  const lines = [
    `Search: ${r.searchData.total.toLocaleString('en')} messages over 1,000 chats, the searcher in 50 chats holding ${r.searchData.mine.toLocaleString('en')} (heap ${r.searchData.heap}, message_search ${r.searchData.search_heap}, ix_message_search_vector ${r.searchData.index}; ${r.searchSeedSeconds === undefined ? 'a kept database' : `seeded and indexed in ${r.searchSeedSeconds} s`}). ${REQUESTS} requests per kind, one at a time, cycling through the queries.`,
    '',
    '| query | example | index matches of the example in the caller’s chats | REST p50 / p99 / max ms | socket p50 / p99 / max ms |',
    '|---|---|---|---|---|',
  ];
  for (const [kind, v] of Object.entries(r.search))
    lines.push(
      `| ${kind} | \`${v.example}\` | ${v.matchesOfExample} | ${v.rest.p50} / ${v.rest.p99} / ${v.rest.max} | ${v.socket.p50} / ${v.socket.p99} / ${v.socket.max} |`,
    );
  lines.push('');
  for (const [kind, p] of Object.entries(r.searchPlans))
    lines.push(`EXPLAIN (ANALYZE, BUFFERS), ${kind} (\`${p.q}\`):`, '', '```', p.plan, '```', '');
  return lines.join('\n');
}

module.exports = { searchScenario, searchMarkdown };
