import type { SearchPageDto } from '../../src/search/dto/search.dto';
import type { ChatListDto, HistoryPageDto } from '../support/contract';
import { ok, TestUser } from '../support/api';
import { useService } from '../support/service';
import { eventually } from '../support/wait';
import { PgCluster } from './pg-cluster';

/**
 * A real streaming replica of a primary of the test's own. Where a read ran is seen from the
 * servers: pg_stat_statements on the replica counts the statements over the message tables it ran.
 */
const DB = 'chat';
let cluster: PgCluster;

beforeAll(async () => {
  cluster = await PgCluster.start();
  await cluster.createDatabase(DB);
}, 120_000);

afterAll(() => cluster?.stop());

const service = useService(() => ({ DATABASE_REPLICA_URLS: cluster.replica.url(DB) }), { databaseUrl: () => cluster.primary.url(DB) });
const api = service.api;

/** Statements over messages or chat_members the replica has run (the service's reads; its health check touches neither). */
async function replicaReads(): Promise<number> {
  const [row] = await cluster.replica.query<{ n: string }>(
    DB,
    `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
      WHERE (query ILIKE '%messages%' OR query ILIKE '%chat_members%') AND query NOT ILIKE '%pg_stat_statements%'`,
  );
  return Number(row.n);
}

/** Whether `read` ran on the replica: its statement count there grew. */
async function onReplica(read: () => Promise<unknown>): Promise<boolean> {
  const before = await replicaReads();
  await read();
  return (await replicaReads()) > before;
}

const texts = (page: HistoryPageDto) => page.items.map((m) => m.text);
const history = async (user: TestUser, chatId: string) => ok(await api.history(user, chatId), 200);
const chatList = async (user: TestUser) => ok(await api.chats(user), 200);
const search = async (user: TestUser, q: string) => ok(await api.get<SearchPageDto>('/api/search/messages', user, { q }), 200);
const lastText = (list: ChatListDto, chatId: string) => list.items.find((c) => c.id === chatId)?.lastMessage?.text;

describe('read replicas', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let direct: string;
  let group: string;

  beforeAll(async () => {
    [alice, bob, carol, dave] = await api.newUsers(4);
    direct = (await api.newDirect(alice, bob)).id;
    // Carol reads a chat Dave made and wrote in: Carol herself has written nothing.
    group = (await api.newGroup(dave, [carol], 'quiet')).id;
    ok(await api.send(dave, group, { text: 'hello carol' }), 201);
    // Dave's write is not Carol's: nothing makes her wait for it, so wait here until the replica has it.
    await eventually(
      async () => {
        let list!: ChatListDto;
        return (await onReplica(async () => (list = await chatList(carol)))) && lastText(list, group) === 'hello carol';
      },
      Boolean,
      "the replica to have Dave's message and serve Carol, who wrote nothing",
    );
  });

  it('a client reads its own new message while the replica is paused; a reader who wrote nothing reads from the replica', async () => {
    await cluster.replica.query(DB, 'SELECT pg_wal_replay_pause()');
    try {
      ok(await api.send(alice, direct, { text: 'written while the replica sleeps' }), 201);

      let page!: HistoryPageDto;
      expect(await onReplica(async () => (page = await history(alice, direct)))).toBe(false);
      expect(texts(page)).toContain('written while the replica sleeps');

      let list!: ChatListDto;
      expect(await onReplica(async () => (list = await chatList(alice)))).toBe(false);
      expect(lastText(list, direct)).toBe('written while the replica sleeps');

      let found!: SearchPageDto;
      expect(await onReplica(async () => (found = await search(alice, 'sleeps')))).toBe(false);
      expect(found.items.map((i) => i.message.text)).toEqual(['written while the replica sleeps']);

      // Carol's reads do not depend on Alice's write: the replica serves them, paused or not.
      let carolList!: ChatListDto;
      expect(await onReplica(async () => (carolList = await chatList(carol)))).toBe(true);
      expect(lastText(carolList, group)).toBe('hello carol');
    } finally {
      await cluster.replica.query(DB, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('after replay resumes, the writer reads from the replica again and sees the message there', async () => {
    ok(await api.send(alice, direct, { text: 'caught up soon' }), 201);
    const page = await eventually(
      async () => {
        let read!: HistoryPageDto;
        return (await onReplica(async () => (read = await history(alice, direct)))) ? read : null;
      },
      (read) => read !== null,
      "Alice's history to come from the replica",
    );
    expect(texts(page!)).toContain('caught up soon');
    expect(await onReplica(() => search(alice, 'caught'))).toBe(true);
  });

  it('a replica that goes away is skipped: every read answers from the primary, and the replica is used again when it is back', async () => {
    cluster.replica.stop('immediate');
    ok(await api.send(alice, direct, { text: 'the replica is gone' }), 201);
    expect(texts(await history(alice, direct))).toContain('the replica is gone');
    expect(texts(await history(bob, direct))).toContain('the replica is gone');
    expect(lastText(await chatList(carol), group)).toBe('hello carol');
    expect((await search(bob, 'gone')).items).toHaveLength(1);
    expect((await api.request().get('/health')).status).toBe(200);

    cluster.replica.start();
    await eventually(() => onReplica(() => chatList(carol)), Boolean, 'reads to move back to the restarted replica');
    expect(lastText(await chatList(carol), group)).toBe('hello carol');
  });
});
