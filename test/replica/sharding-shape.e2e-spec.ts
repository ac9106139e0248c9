import { useService } from '../support/service';

/**
 * The schema keeps the shape Citus needs to distribute the chat tables by chat_id (colocated), with
 * users and sessions as reference tables (docs/sharding.md). Read from the catalog after the
 * migrations: a new table must be classified here, and a new index or key that breaks the shape fails.
 */

/** Distributed by chat_id, all colocated; the column each is distributed by. */
const DISTRIBUTED: Record<string, string> = {
  chats: 'id',
  chat_members: 'chat_id',
  messages: 'chat_id',
  message_hides: 'chat_id',
  message_edits: 'chat_id',
  message_attachments: 'chat_id',
  message_reactions: 'chat_id',
  message_search: 'chat_id',
  message_search_queue: 'chat_id',
};
/** Copied to every node. */
const REFERENCE = ['users', 'sessions'];
/** Kept on the coordinator (citus_add_local_table_to_metadata): per-user work queues and bookkeeping. */
const LOCAL = ['attachments', 'push_subscriptions', 'push_outbox', 'push_deliveries', 'push_vapid_keys', 'migrations', 'typeorm_metadata'];

/**
 * Where today's schema breaks the shape, each with its plan in docs/sharding.md ("Known
 * exceptions"). The test fails when one is fixed too, so that this list stays true.
 */
const KNOWN_EXCEPTIONS = [
  'chats: unique index uq_chats_direct_key (direct_key) lacks id',
  'message_attachments: no column chat_id',
  'message_edits: no column chat_id',
  'message_reactions: no column chat_id',
  'messages: unique index PK_messages (id) lacks chat_id',
];

interface UniqueIndex {
  table: string;
  name: string;
  columns: string[];
}
interface ForeignKey {
  table: string;
  name: string;
  columns: string[];
  target: string;
  targetColumns: string[];
}

const service = useService();

async function catalog() {
  const tables = (
    await service.db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
  ).rows.map((r) => r.name);
  const columns = (
    await service.db.query<{ table: string; column: string }>(
      `SELECT table_name AS table, column_name AS column FROM information_schema.columns WHERE table_schema = 'public'`,
    )
  ).rows;
  const uniques = (
    await service.db.query<UniqueIndex>(`SELECT t.relname AS table, i.relname AS name,
        ARRAY(SELECT a.attname::text FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k) AS columns
       FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND x.indisunique ORDER BY 1, 2`)
  ).rows;
  const foreignKeys = (
    await service.db.query<ForeignKey>(`SELECT t.relname AS table, f.conname AS name, r.relname AS target,
        ARRAY(SELECT a.attname::text FROM unnest(f.conkey) k JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k) AS columns,
        ARRAY(SELECT a.attname::text FROM unnest(f.confkey) k JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k) AS "targetColumns"
       FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND f.contype = 'f' ORDER BY 1, 2`)
  ).rows;
  return { tables, columns, uniques, foreignKeys };
}

/** The primary key's generated name says nothing: call it PK_<table>. */
const indexName = (u: UniqueIndex) => (u.name.startsWith('PK_') ? `PK_${u.table}` : u.name);

describe('the sharding path (Citus by chat_id)', () => {
  it('classifies every table, and the classes name only tables that exist', async () => {
    const { tables } = await catalog();
    const classified = [...Object.keys(DISTRIBUTED), ...REFERENCE, ...LOCAL].sort();
    expect(tables.sort()).toEqual(classified);
  });

  it('distributed tables carry their column in every unique index; keys between them join on it; reference tables point at nothing else', async () => {
    const { columns, uniques, foreignKeys } = await catalog();
    const problems: string[] = [];
    for (const [table, column] of Object.entries(DISTRIBUTED)) {
      if (!columns.some((c) => c.table === table && c.column === column)) problems.push(`${table}: no column ${column}`);
    }
    for (const u of uniques.filter((one) => DISTRIBUTED[one.table] !== undefined)) {
      const column = DISTRIBUTED[u.table];
      const hasColumn = columns.some((c) => c.table === u.table && c.column === column);
      if (hasColumn && !u.columns.includes(column))
        problems.push(`${u.table}: unique index ${indexName(u)} (${u.columns.join(', ')}) lacks ${column}`);
    }
    for (const fk of foreignKeys) {
      const from = DISTRIBUTED[fk.table];
      const to = DISTRIBUTED[fk.target];
      if (REFERENCE.includes(fk.table) && !REFERENCE.includes(fk.target))
        problems.push(`${fk.table}: reference table points at ${fk.target}`);
      if (from === undefined || to === undefined) continue;
      // Colocated keys must pair the distribution columns.
      const i = fk.columns.indexOf(from);
      if (i < 0 || fk.targetColumns[i] !== to) {
        if (columns.some((c) => c.table === fk.table && c.column === from)) {
          problems.push(`${fk.table}: foreign key ${fk.name} to ${fk.target} (${fk.columns.join(', ')}) does not pair ${from} with ${to}`);
        }
      }
    }
    expect(problems.sort()).toEqual([...KNOWN_EXCEPTIONS].sort());
  });
});
