import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ok } from '../support/api';
import { ServiceProcess, spawnService } from '../support/service';
import { connectSocket } from '../support/sockets';
import { reactionRoutes } from './reactions.support';

/** The migration and the locking of reactions on embedded PostgreSQL (PGlite: one connection). */
describe('reactions on embedded PostgreSQL (no DATABASE_URL)', () => {
  jest.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-reactions-embedded-'));
  let svc: ServiceProcess | undefined;

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reacts, lists, counts concurrent changes and announces them', async () => {
    svc = await spawnService({ DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir });
    const api = new Api(svc.url);
    const { put, remove, listed } = reactionRoutes(api);
    const users = await api.newUsers(6);
    const [owner] = users;
    const chatId = (await api.newGroup(owner, users.slice(1))).id;
    const m = ok(await api.send(owner, chatId, { text: 'embedded' }), 201);
    const socket = await connectSocket(svc.url, owner.accessToken);
    try {
      // Everyone puts 👍 and 🎉 at once, then takes 🎉 back at once.
      const statuses = await Promise.all(users.flatMap((u) => [put(u, chatId, m.seq, '👍'), put(u, chatId, m.seq, '🎉')]));
      expect(statuses.map((r) => r.status)).toEqual(Array(12).fill(204));
      expect((await Promise.all(users.map((u) => remove(u, chatId, m.seq, '🎉')))).map((r) => r.status)).toEqual(Array(6).fill(204));

      const [thumbs, ...others] = await listed(owner, chatId, m.seq);
      expect(others).toEqual([]);
      expect({ ...thumbs, userIds: [...thumbs.userIds].sort() }).toEqual({ emoji: '👍', count: 6, userIds: users.map((u) => u.id).sort() });
      const [seen] = ok(await api.history(users[1], chatId, { after: m.seq - 1, limit: 1 }), 200).items;
      expect(seen.reactions).toEqual([{ emoji: '👍', count: 6, me: true }]);
      // The event of the last take-back of 🎉 shows what is left.
      const last = await socket.waitFor('reaction', (r) => r.seq === m.seq && r.emoji === '🎉' && !r.on && r.reactions.length === 1);
      expect(last.reactions).toEqual([{ emoji: '👍', count: 6 }]);
    } finally {
      socket.close();
    }
  });
});
