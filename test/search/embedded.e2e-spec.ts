import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ok } from '../support/api';
import { ServiceProcess, spawnService } from '../support/service';
import { connectSocket } from '../support/sockets';
import { searchRest, snippetsOf, textsOf } from './search.support';

/** The same search on embedded PGlite (no DATABASE_URL): unaccent loads there too, and the index follows edits. */
describe('search in embedded mode (PGlite)', () => {
  jest.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-search-embedded-'));
  let svc: ServiceProcess | undefined;

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('folds case and diacritics, finds Chinese by substring, re-indexes an edit, over REST and socket', async () => {
    svc = await spawnService({ DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir });
    const api = new Api(svc.url);
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const texts = ['Ёлка у окна', 'Meet at the café', '我们在北京饭店见面'];
    const sent = [];
    for (const text of texts) sent.push(ok(await api.send(a, chatId, { text }), 201));

    expect(snippetsOf(ok(await searchRest(api, b, { q: 'елка' }), 200))).toEqual(['«Ёлка» у окна']);
    expect(snippetsOf(ok(await searchRest(api, b, { q: 'CAFE' }), 200))).toEqual(['Meet at the «café»']);
    expect(snippetsOf(ok(await searchRest(api, b, { q: '京饭店' }), 200))).toEqual(['我们在北«京饭店»见面']);

    ok(await api.edit(a, chatId, sent[1].seq, { text: 'Meet at the bar' }), 200);
    expect(textsOf(ok(await searchRest(api, b, { q: 'cafe' }), 200))).toEqual([]);
    const socket = await connectSocket(svc.url, b.accessToken);
    try {
      const ack = await socket.call('messages:search', { q: 'bar meet' });
      expect(ack.ok).toBe(true);
      expect(ack.data.items.map((i) => i.snippet)).toEqual(['«Meet» at the «bar»']);
    } finally {
      socket.close();
    }
    expect(await svc.stop('SIGTERM')).toBe(0);
    svc = undefined;
  });
});
