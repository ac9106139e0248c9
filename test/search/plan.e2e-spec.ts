import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { INDEX_BATCH_SQL } from '../../src/search/search-index.query';
import { searchPageSql, SearchPageQuery } from '../../src/search/search.query';
import { queryWords, substringChecks, tsQueries } from '../../src/search/search-text';
import { TestUser } from '../support/api';
import { useService } from '../support/service';

/**
 * The search query on 200,000 messages over 200 chats, the searcher in 10 of them: the exact SQL
 * the service runs (search.query.ts) must find its candidates through ix_message_search_vector, never
 * by a sequential scan nor by walking the chats, and read messages by (chat_id, seq) only, for a common word, a rare one, a prefix,
 * a single letter, Chinese, and within one chat. Asserts the plan, not the timing.
 */
const CHATS = 200;
const PER_CHAT = 1000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('search query plan (real PostgreSQL)', () => {
  let orm: DataSource;
  afterAll(async () => {
    await orm?.destroy();
  });
  const svc = useService();
  const { api } = svc;
  let me: TestUser;
  let mine: string[];

  beforeAll(async () => {
    [me] = await api.newUsers(1);
    const started = Date.now();
    // Chats, memberships and messages straight into the database (the API would take minutes).
    const { rows } = await svc.db.query<{ id: string }>(
      `INSERT INTO chats (type, title, member_count, created_by, last_seq)
       SELECT 'group', 'c' || g, 1, $1, $2 FROM generate_series(1, $3) g RETURNING id`,
      [me.id, PER_CHAT, CHATS],
    );
    mine = rows.slice(0, CHATS / 20).map((r) => r.id);
    await svc.db.query(`INSERT INTO chat_members (chat_id, user_id, role) SELECT unnest($1::uuid[]), $2, 'owner'`, [mine, me.id]);
    await svc.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, text, created_at)
       SELECT c.id, g, $2,
              (ARRAY['the meeting is tomorrow', 'привет как дела', '我们在北京饭店见面', 'the report', 'кофе потом'])[1 + g % 5]
                || ' w' || (g % 997) || CASE WHEN g % 500 = 0 THEN ' zebra' ELSE '' END,
              now() - (${PER_CHAT} - g) * interval '1 minute'
         FROM unnest($1::uuid[]) AS c(id), generate_series(1, ${PER_CHAT}) g`,
      [rows.map((r) => r.id), me.id],
    );
    // Indexed as the service does it, by the indexer's statement: queued, then one batch of all.
    await svc.db.query(`INSERT INTO message_search_queue (chat_id, seq, marked_at) SELECT chat_id, seq, created_at FROM messages`);
    await svc.db.query(INDEX_BATCH_SQL, [CHATS * PER_CHAT]);
    await svc.db.query('VACUUM ANALYZE messages, message_search, message_search_queue');
    console.log(`seeded ${CHATS * PER_CHAT} messages in ${Date.now() - started} ms`);
    orm = new DataSource(dataSourceOptions(svc.databaseUrl, 1));
    await orm.initialize();
  }, 300_000);

  async function plan(q: string, chatId?: string): Promise<{ text: string; all: PlanNode[]; checksText: boolean }> {
    const { rows } = await svc.db.query<{ tokens: string[] }>(`SELECT string_to_array(app_search_text($1), ' ') AS tokens`, [q]);
    const words = queryWords(rows[0].tokens);
    const query: SearchPageQuery = {
      viewerId: me.id,
      chatIds: chatId ? [chatId] : mine,
      tsQueries: tsQueries(chatId ? [chatId] : mine, words),
      substrings: substringChecks(words),
      chatId,
      limit: 20,
    };
    const { sql, params } = searchPageSql(orm, query);
    const json = await svc.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const text = await svc.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    return {
      text: text.rows.map((r) => r['QUERY PLAN']).join('\n'),
      all: nodes(json.rows[0]['QUERY PLAN'][0].Plan),
      checksText: query.substrings.length > 0,
    };
  }

  it.each([
    ['a common word', 'the'],
    ['two words', 'meeting tomorrow'],
    ['a rare word', 'zebra'],
    ['a prefix', 'meet'],
    ['one letter', 't'],
    ['Cyrillic', 'привет дела'],
    ['a Chinese substring', '北京饭'],
    ['one Chinese character', '饭'],
  ])('%s (%s): the GIN index, no scan of messages', async (_, q) => {
    for (const chatId of [undefined, mine[0]]) {
      const { text, all, checksText } = await plan(q, chatId);
      const scans = (relation: string) => all.filter((n) => n['Relation Name'] === relation).map((n) => [n['Node Type'], n['Index Name']]);
      // messages only by (chat_id, seq): the queued messages, the candidates' text when a word without
      // spaces is checked whole, the page's rows (at most limit + 1).
      const byKey = ['Index Scan', 'uq_messages_chat_seq'];
      expect({ q, chatId, scans: scans('messages') }).toEqual({ q, chatId, scans: checksText ? [byKey, byKey, byKey] : [byKey, byKey] });
      // The candidates by a bitmap heap scan of message_search, under it the search index alone.
      expect({ q, chatId, scans: scans('message_search') }).toEqual({ q, chatId, scans: [['Bitmap Heap Scan', undefined]] });
      const heap = all.find((n) => n['Relation Name'] === 'message_search')!;
      const under = nodes(heap)
        .slice(1)
        .filter((n) => !['Result', 'ProjectSet'].includes(n['Node Type'])); // the InitPlan that hands over the tsqueries
      expect(under.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Bitmap Index Scan', 'ix_message_search_vector']]);
      if (q === 'meeting tomorrow' && !chatId) console.log(`EXPLAIN (ANALYZE, BUFFERS), ${q}:\n${text}`);
    }
  });
});
