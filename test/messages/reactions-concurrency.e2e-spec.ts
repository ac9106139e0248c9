import { Api, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { ServiceProcess, TestService, useService } from '../support/service';
import { TestSocket, useSockets } from '../support/sockets';
import { eventually } from '../support/wait';
import { messageHelpers } from './support';
import { dbCounts, reactionRoutes, ReactionCountDto, ReactionNotice, replay } from './reactions.support';

const USERS = 20;
// A database number of its own, so that these keys stay apart from anything else on this Redis.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';

/** Over REST or the user's socket. */
type Op = { user: TestUser; emoji: string; on: boolean; over: 'rest' | 'socket' };

/** 20 members of one group, each with a socket; user `i` talks to `instanceOf(i)`. */
function concurrencyFixture(svc: TestService, instanceOf: (i: number) => { url: string; api: Api }) {
  const { api } = svc;
  const { sendOk, historyOk } = messageHelpers(svc);
  const { path, listed } = reactionRoutes(api);
  const sockets = useSockets();
  const state = { users: [] as TestUser[], socketOf: new Map<string, TestSocket>(), chatId: '' };
  beforeAll(async () => {
    state.users = await api.newUsers(USERS);
    state.chatId = (await api.newGroup(state.users[0], state.users.slice(1))).id;
    const opened = await Promise.all(state.users.map(async (u, i) => [u.id, await sockets.open(instanceOf(i), u)] as const));
    state.socketOf = new Map(opened);
  }, 120_000);

  /** Runs every operation at once; each must succeed (REST 204, or an ack `ok`). */
  async function runAll(message: MessageDto, ops: Op[]): Promise<void> {
    const answers = await Promise.all(
      ops.map(async ({ user, emoji, on, over }, i) => {
        if (over === 'socket')
          return state.socketOf.get(user.id)!.call('reaction:set', { chatId: state.chatId, seq: message.seq, emoji, on });
        const url = path(state.chatId, message.seq, emoji);
        const at = instanceOf(i).api;
        return (on ? at.put(url, user) : at.delete(url, user)).then((res) => res.status);
      }),
    );
    expect(answers.filter((a) => a !== 204 && !(typeof a === 'object' && a.ok))).toEqual([]);
  }

  /** The `reaction` events each member's socket has received for the message, in arrival order. */
  const eventsOfEveryone = (message: MessageDto): ReactionNotice[][] =>
    state.users.map((u) =>
      state.socketOf
        .get(u.id)!
        .received.filter((r) => r.event === 'reaction' && (r.data as ReactionNotice).chatId === state.chatId)
        .map((r) => r.data as ReactionNotice)
        .filter((n) => n.seq === message.seq),
    );

  /** The counts every reader gets equal the rows, in the history (with `me`) and in the users' list. */
  async function expectCountsAreRows(message: MessageDto): Promise<ReactionCountDto[]> {
    const [viewer, reader] = state.users.slice(1);
    const rows = await dbCounts(svc.db, message.id);
    const shown = await listed(viewer, state.chatId, message.seq);
    expect(shown.map(({ emoji, count }) => ({ emoji, count }))).toEqual(rows);
    for (const r of shown) expect(new Set(r.userIds).size).toBe(r.count);
    const inHistory = (await historyOk(reader, state.chatId, { after: message.seq - 1, limit: 1 })).items[0].reactions;
    expect(inHistory).toEqual(shown.map(({ emoji, count, userIds }) => ({ emoji, count, me: userIds.includes(reader.id) })));
    return rows;
  }

  return { state, sendOk, path, runAll, eventsOfEveryone, expectCountsAreRows };
}

describe('messages: reactions under concurrency (one instance)', () => {
  const svc = useService();
  const { state, sendOk, runAll, eventsOfEveryone, expectCountsAreRows, path } = concurrencyFixture(svc, () => svc);
  const over = (i: number): Op['over'] => (i % 2 ? 'socket' : 'rest');

  /**
   * Counts equal rows; every member's socket got the same events in the same order, and they replay
   * into that state, each event's reactions being the state its change made: so the last event each
   * client saw is the final state.
   */
  async function expectConsistent(message: MessageDto): Promise<ReactionCountDto[]> {
    const rows = await expectCountsAreRows(message);
    // Every event was emitted before its request was answered; the sockets may still be receiving.
    const everyones = await eventually(
      () => Promise.resolve(eventsOfEveryone(message)),
      (all) =>
        all.every((events) => events.length === all[0].length && JSON.stringify(events.at(-1)?.reactions ?? []) === JSON.stringify(rows)),
      'every socket’s last reaction event to show the final state',
    );
    for (const events of everyones) expect(events).toEqual(everyones[0]);
    expect(replay(everyones[0])).toEqual(rows);
    return rows;
  }

  it('20 users, 40 PUT/DELETE at once, three rounds: counts equal the rows and every client’s last event is the final state', async () => {
    const { users } = state;
    const m = await sendOk(users[0], state.chatId, 'hot message');

    // Everyone puts 👍 and ❤️ at once.
    await runAll(m, [
      ...users.map((user, i) => ({ user, emoji: '👍', on: true, over: over(i) })),
      ...users.map((user, i) => ({ user, emoji: '❤️', on: true, over: over(i + 1) })),
    ]);
    const first = await expectConsistent(m);
    expect(first.map((r) => r.count)).toEqual([USERS, USERS]);

    // Everyone takes 👍 back; even users put 🎉, odd users take ❤️ back.
    await runAll(m, [
      ...users.map((user, i) => ({ user, emoji: '👍', on: false, over: over(i) })),
      ...users.map((user, i) => (i % 2 ? { user, emoji: '❤️', on: false, over: over(i) } : { user, emoji: '🎉', on: true, over: over(i) })),
    ]);
    const second = await expectConsistent(m);
    expect(second).toEqual([
      { emoji: '❤️', count: USERS / 2 },
      { emoji: '🎉', count: USERS / 2 },
    ]);

    // Each user puts and takes back 🔥 at the same moment: either may come first, the story must hold.
    await runAll(
      m,
      users.flatMap((user, i) => [
        { user, emoji: '🔥', on: true, over: over(i) },
        { user, emoji: '🔥', on: false, over: over(i + 1) },
      ]),
    );
    const third = await expectConsistent(m);
    expect(third.slice(0, 2)).toEqual(second);
  });

  it('20 users toggling the same reaction 50 times each, all at once: counts equal the rows and the last event each client saw', async () => {
    const { users } = state;
    const m = await sendOk(users[0], state.chatId, 'the most toggled message');
    // 1,000 changes in flight together: each user's 50 alternate put and take back, over REST and its socket.
    await runAll(
      m,
      users.flatMap((user, i) => Array.from({ length: 50 }, (_, k) => ({ user, emoji: '👏', on: k % 2 === 0, over: over(i + k) }))),
    );
    const rows = await expectConsistent(m);
    expect(rows.length).toBeLessThanOrEqual(1);
    expect(rows[0]?.count ?? 0).toBeLessThanOrEqual(USERS);
  });

  it('30 different emoji at once: exactly 20 stay, the others are refused with REACTION_LIMIT', async () => {
    const { users } = state;
    const m = await sendOk(users[0], state.chatId, 'limit race');
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🙃🫠😇🤩🥳😏😒😞😔😟'];
    expect(emoji).toHaveLength(30);
    const results = await Promise.all(
      emoji.map(async (e, i) => {
        const res = await svc.api.put(path(state.chatId, m.seq, e), users[i % USERS]);
        return { e, status: res.status, code: (res.body as { code?: string }).code };
      }),
    );
    const refused = results.filter((r) => r.status !== 204);
    expect(refused.map(({ status, code }) => ({ status, code }))).toEqual(Array(10).fill({ status: 422, code: 'REACTION_LIMIT' }));
    const rows = await expectConsistent(m);
    expect(rows.map((r) => r.emoji).sort()).toEqual(
      results
        .filter((r) => r.status === 204)
        .map((r) => r.e)
        .sort(),
    );
  });
});

/**
 * Two instances on one database and one Redis, every other user on the second. The counts hold as on
 * one; every socket gets every change. (The order of two changes made at the same moment on
 * different instances may differ between sockets of different instances: docs/realtime.md.)
 */
describe('messages: reactions under concurrency (two instances)', () => {
  const svc = useService({ REDIS_URL });
  let other: ServiceProcess & { api: Api };
  beforeAll(async () => {
    other = await svc.another();
  }, 120_000);
  const { state, sendOk, runAll, eventsOfEveryone, expectCountsAreRows } = concurrencyFixture(svc, (i) => (i % 2 ? other : svc));

  it('40 reactions at once over both, REST and sockets: counts equal the rows, and every socket got every change', async () => {
    const { users } = state;
    const m = await sendOk(users[0], state.chatId, 'hot on two instances');
    await runAll(m, [
      ...users.map((user) => ({ user, emoji: '👍', on: true, over: 'rest' as const })),
      ...users.map((user, i) => ({ user, emoji: i % 2 ? '🎉' : '❤️', on: true, over: 'socket' as const })),
    ]);
    const byEmoji = (list: ReactionCountDto[]) => [...list].sort((a, b) => a.emoji.localeCompare(b.emoji));
    expect(byEmoji(await expectCountsAreRows(m))).toEqual(
      byEmoji([
        { emoji: '👍', count: USERS },
        { emoji: '❤️', count: USERS / 2 },
        { emoji: '🎉', count: USERS / 2 },
      ]),
    );
    const key = (n: ReactionNotice) => `${n.userId} ${n.emoji} ${n.on}`;
    const everyones = await eventually(
      () => Promise.resolve(eventsOfEveryone(m)),
      (all) => all.every((events) => events.length === 2 * USERS),
      'every socket to get the 40 changes',
    );
    for (const events of everyones) expect(events.map(key).sort()).toEqual(everyones[0].map(key).sort());
  });
});
