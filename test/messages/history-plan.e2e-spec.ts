import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { HistoryPageQuery, presentedHistorySql } from '../../src/conversations/history-page.query';
import { Message } from '../../src/conversations/message.entity';
import { TestUser } from '../support/api';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';

/**
 * The history query on a chat of 1,000,000 messages: the exact SQL the service runs (the one
 * statement MessagesRepository.findHistoryPage builds: the page as the CTE `page`, each row's
 * presentation joined to it) must walk the (chat_id, seq) index backwards and stop after limit + 1
 * rows — for the newest page and for a page 500,000 deep alike — and sort nothing but the page.
 * Asserts the plan, not the timing; prints EXPLAIN (ANALYZE, BUFFERS) for the record.
 */
const MESSAGES = 1_000_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Subplan Name'?: string;
  'Scan Direction'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('history query plan on 1,000,000 messages (real PostgreSQL)', () => {
  let orm: DataSource;
  // Declared before useService: after-all hooks run in order, so the ORM's connection closes first.
  afterAll(async () => {
    await orm?.destroy();
  });
  const svc = useService();
  const { api } = svc;
  let chatId: string;
  let user: TestUser;

  beforeAll(async () => {
    user = await api.newUser();
    chatId = (await api.newGroup(user, [], 'big')).id;

    // One statement for the rows (the "created" system message already holds seq 1), with the
    // foreign-key triggers off for the load (the rows are known to be valid).
    const started = Date.now();
    await seedMessages(svc.db, { chatId, senderId: user.id, count: MESSAGES - 1, prefix: 'message ' }, { replica: true });
    await svc.db.query('VACUUM ANALYZE messages');
    console.log(`seeded ${MESSAGES} messages in ${Date.now() - started} ms (insert + vacuum analyze)`);

    orm = new DataSource(dataSourceOptions(svc.databaseUrl, 1));
    await orm.initialize();
  }, 300_000);

  function query(extra: Partial<HistoryPageQuery>): HistoryPageQuery {
    return { chatId, viewerId: user.id, clearedSeq: 0, limit: 15, ...extra };
  }

  async function explain(q: HistoryPageQuery): Promise<{ text: string; root: PlanNode }> {
    const [sql, params] = orm.driver.escapeQueryWithParameters(presentedHistorySql(orm.getRepository(Message), q), { ...q });
    const json = await svc.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
    const text = await svc.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    return {
      text: `${sql}\n-- parameters: ${JSON.stringify(params)}\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}`,
      root: json.rows[0]['QUERY PLAN'][0].Plan,
    };
  }

  /** The plan of the CTE `page`: the page's own walk, apart from the presentation joined to its rows. */
  function pagePlan(root: PlanNode): PlanNode {
    const cte = nodes(root).find((n) => n['Subplan Name'] === 'CTE page');
    expect(cte).toBeDefined();
    return cte!;
  }

  /** Only the page's rows are ever sorted (the outer ORDER BY over the CTE's 16 rows). */
  function expectSortsOnlyThePage(root: PlanNode, limit: number) {
    for (const sort of nodes(root).filter((n) => n['Node Type'] === 'Sort')) expect(sort['Actual Rows']).toBeLessThanOrEqual(limit + 1);
  }

  function expectIndexWalk(root: PlanNode, limit: number) {
    expectSortsOnlyThePage(root, limit);
    const page = pagePlan(root);
    const all = nodes(page);
    const onMessages = all.filter((n) => n['Relation Name'] === 'messages');
    expect(onMessages).toHaveLength(1);
    const scan = onMessages[0];
    expect(['Index Scan', 'Index Only Scan']).toContain(scan['Node Type']);
    expect(scan['Index Name']).toBe('uq_messages_chat_seq');
    expect(scan['Scan Direction']).toBe('Backward');
    // It stops after the page (limit + 1 rows): no walk over the chat.
    expect(scan['Actual Rows']).toBe(limit + 1);
    expect(all.map((n) => n['Node Type'])).not.toContain('Sort');
    expect(nodes(root).filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'messages')).toEqual([]);
    expect(page['Node Type']).toBe('Limit');
  }

  it('the newest page is a backward index scan on uq_messages_chat_seq that reads 16 rows', async () => {
    const { text, root } = await explain(query({}));
    console.log(`history, newest 15 of ${MESSAGES}:\n${text}`);
    expectIndexWalk(root, 15);
  });

  it('a page 500,000 deep (before=500000) is the same index walk, as cheap', async () => {
    const { text, root } = await explain(query({ before: 500_000 }));
    console.log(`history, before=500000 of ${MESSAGES}:\n${text}`);
    expectIndexWalk(root, 15);
  });

  it('with many messages deleted for me, pages stay full and the plan stays an index walk', async () => {
    // 20,000 hides of this user: every 50th message, plus the 100 just below 500,000 and the newest 10.
    await svc.db.query(
      `INSERT INTO message_hides (user_id, chat_id, seq)
       SELECT $1::uuid, $2::uuid, s FROM generate_series(50, $3::int, 50) AS s
       UNION SELECT $1::uuid, $2::uuid, s FROM generate_series(499900, 499999) AS s
       UNION SELECT $1::uuid, $2::uuid, s FROM generate_series($3::int - 9, $3::int) AS s`,
      [user.id, chatId, MESSAGES],
    );
    await svc.db.query('ANALYZE message_hides');
    for (const before of [undefined, 500_000]) {
      const { text, root } = await explain(query({ before }));
      console.log(`history with 20,100 messages deleted for me, ${before ? `before=${before}` : 'newest 15'}:\n${text}`);
      expectSortsOnlyThePage(root, 15);
      const page = pagePlan(root);
      const all = nodes(page);
      const scan = all.find((n) => n['Relation Name'] === 'messages')!;
      expect(scan['Index Name']).toBe('uq_messages_chat_seq');
      expect(scan['Scan Direction']).toBe('Backward');
      expect(all.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(all.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
      expect(nodes(root).filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'messages')).toEqual([]);
      expect(page['Actual Rows']).toBe(16);
      expect(root['Actual Rows']).toBe(16);
    }
    const hidden = (seq: number) => seq % 50 === 0 || (seq >= 499_900 && seq <= 499_999) || seq > MESSAGES - 10;
    const visibleBelow = (before: number) => {
      const out: number[] = [];
      for (let s = before - 1; out.length < 15; s--) if (!hidden(s)) out.unshift(s);
      return out;
    };
    for (const before of [MESSAGES + 1, 500_000]) {
      const page = await api.history(user, chatId, { before });
      expect(page.body.items.map((m) => m.seq)).toEqual(visibleBelow(before));
      expect(page.body.hasMore).toBe(true);
    }
    await svc.db.query('DELETE FROM message_hides WHERE user_id = $1', [user.id]);
  });

  it('the service answers those pages: the SQL explained is the one it runs', async () => {
    const newest = await api.history(user, chatId);
    expect(newest.status).toBe(200);
    expect(newest.body.items.map((m) => m.seq)).toEqual(Array.from({ length: 15 }, (_, i) => MESSAGES - 14 + i));
    expect(newest.body.hasMore).toBe(true);
    const deep = await api.history(user, chatId, { before: 500_000 });
    expect(deep.body.items.map((m) => m.seq)).toEqual(Array.from({ length: 15 }, (_, i) => 499_985 + i));
    expect(deep.body.items[0].text).toBe('message 499985');
    expect(deep.body.hasMore).toBe(true);
  });
});
