import { ok, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { useService } from '../support/service';
import { searchRest, textsOf } from './search.support';

/**
 * The index is written after the commit (SearchIndexer), yet a search finds what the user just did:
 * a message the moment its send is acked, an edit by its new text and not its old, a delete for
 * everyone nowhere, before the indexer ran (this instance's never runs during the test) and after
 * (another instance on the same database, indexing every 20 ms, is started until the queue is empty).
 */
describe('search: the index after the commit', () => {
  jest.setTimeout(60_000);
  const svc = useService({ SEARCH_INDEX_INTERVAL_MS: '3600000' });
  const { api } = svc;
  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;

  const queued = async () => Number((await svc.db.query<{ n: string }>('SELECT count(*) AS n FROM message_search_queue')).rows[0].n);
  const indexed = async () => Number((await svc.db.query<{ n: string }>('SELECT count(*) AS n FROM message_search')).rows[0].n);
  const find = async (q: string) => textsOf(ok(await searchRest(api, bob, { q }), 200));
  const send = async (text: string) => ok<MessageDto>(await api.send(alice, chatId, { text }), 201);

  /** Another instance indexes until nothing is queued, then stops. */
  async function runIndexer(): Promise<void> {
    const other = await svc.another({ SEARCH_INDEX_INTERVAL_MS: '20' });
    try {
      for (let i = 0; i < 500 && (await queued()) > 0; i++) await new Promise((done) => setTimeout(done, 20));
    } finally {
      await other.stop();
    }
    expect(await queued()).toBe(0);
  }

  beforeAll(async () => {
    [alice, bob] = await api.newUsers(2);
    chatId = (await api.newDirect(alice, bob)).id;
  });

  it('finds a message right after its ack, and after the indexer ran', async () => {
    const sent = await send('apple banana');
    expect(await queued()).toBeGreaterThan(0);
    expect(await find('banana')).toEqual(['apple banana']);
    await runIndexer();
    expect(await indexed()).toBeGreaterThan(0);
    expect(await find('banana')).toEqual(['apple banana']);
    expect(await find('appl')).toEqual([sent.text]);
  });

  it('finds an edit by its new text and not its old, before and after indexing', async () => {
    const indexedFirst = await send('cherry date');
    const fresh = await send('elder fig');
    await runIndexer();
    // One edit of an indexed message, one of a message sent after the indexer stopped…
    ok(await api.edit(alice, chatId, indexedFirst.seq, { text: 'grape honeydew' }), 200);
    const late = await send('kiwi lemon');
    ok(await api.edit(alice, chatId, late.seq, { text: 'kiwi mango' }), 200);
    ok(await api.edit(alice, chatId, fresh.seq, { text: 'elder nectarine' }), 200);
    for (const phase of ['before indexing', 'after indexing']) {
      expect({ phase, found: await find('cherry') }).toEqual({ phase, found: [] });
      expect({ phase, found: await find('lemon') }).toEqual({ phase, found: [] });
      expect({ phase, found: await find('fig') }).toEqual({ phase, found: [] });
      expect({ phase, found: await find('grape') }).toEqual({ phase, found: ['grape honeydew'] });
      expect({ phase, found: await find('kiwi') }).toEqual({ phase, found: ['kiwi mango'] });
      expect({ phase, found: await find('elder') }).toEqual({ phase, found: ['elder nectarine'] });
      if (phase === 'before indexing') await runIndexer();
    }
  });

  it('finds no message deleted for everyone, indexed or not, before and after indexing', async () => {
    const indexedFirst = await send('orange papaya');
    await runIndexer();
    const late = await send('orange quince');
    for (const m of [indexedFirst, late]) expect((await api.deleteMessage(alice, chatId, m.seq, 'everyone')).status).toBe(204);
    expect(await find('orange')).toEqual([]);
    await runIndexer();
    expect(await find('orange')).toEqual([]);
    expect(await find('papaya')).toEqual([]);
  });
});
