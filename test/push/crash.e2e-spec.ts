import { randomUUID } from 'node:crypto';
import { useSockets } from '../support/sockets';
import { eventually } from '../support/wait';
import { usePushSetup } from './support';

const MESSAGES = 30;

/**
 * "Never lost": what a stored message owes is stored in the message's commit, so a SIGKILL right
 * after the acks loses no push. The service is killed at once after the last ack (pushes are then
 * in the outbox, claimed, or in flight: the push service answers slowly), and started again on the
 * same database: every owed push arrives. A push in flight at the kill may arrive twice (its claim
 * ends 30 s later and it is sent again); no push arrives twice while the service lives.
 */
describe('push: SIGKILL right after the acks, restart, every push arrives', () => {
  const { api, push, subscribed, settled, guard, svc } = usePushSetup({ checkEachTest: false });
  const sockets = useSockets();

  it('each message acknowledged before the kill is pushed to the offline member after the restart (at least once)', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const sub = await subscribed(b);
    // At the kill, the first half waits for a retry (503, Retry-After 2 s) and the rest are in flight (slow answers).
    push.plan(
      sub,
      ...Array.from({ length: MESSAGES / 2 }, () => ({ status: 503, headers: { 'Retry-After': '2' } })),
      ...Array.from({ length: MESSAGES / 2 }, () => ({ status: 201, delayMs: 150 })),
    );
    const sender = await sockets.open(svc, a);
    const acked: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const ack = await sender.call('message:send', { chatId, clientId: randomUUID(), text: `before the crash #${i}` });
      expect(ack).toMatchObject({ ok: true });
      acked.push(ack.data.id);
    }
    expect(await svc.stop('SIGKILL')).toBeNull();
    const beforeKill = push.pushesTo(sub).length;
    const ownedAtKill = (
      await svc.db.query<{ outbox: number; deliveries: number }>(
        'SELECT (SELECT count(*) FROM push_outbox)::int AS outbox, (SELECT count(*) FROM push_deliveries)::int AS deliveries',
      )
    ).rows[0];

    await svc.restart();
    const acceptedIds = () =>
      push
        .pushesTo(sub)
        .filter((p) => p.status === 201)
        .map((p) => p.payload.messageId as string);
    // A push in flight at the kill comes again when its claim ends (30 s).
    await eventually(
      () => Promise.resolve(new Set(acceptedIds())),
      (ids) => acked.every((id) => ids.has(id)),
      'a push of every acknowledged message',
      60_000,
    );
    // Pushes in flight at the kill are sent again once their claim ends (30 s): then nothing is left.
    await settled(60_000);
    const received = acceptedIds();

    const duplicates = received.length - new Set(received).size;
    // While the service lived, no push was taken twice.
    const livedIds = push
      .pushesTo(sub)
      .slice(0, beforeKill)
      .filter((p) => p.status === 201)
      .map((p) => p.payload.messageId);
    expect(new Set(livedIds).size).toBe(livedIds.length);
    expect(push.problems).toEqual([]);
    expect(guard.attempts()).toEqual([]);
    console.log(
      `push crash: ${MESSAGES} acknowledged; at the kill ${ownedAtKill.outbox} still in the outbox and ${ownedAtKill.deliveries} ` +
        `deliveries stored (waiting for a retry, claimed or in flight), ${beforeKill} requests had reached the push service; ` +
        `after the restart every one of the ${MESSAGES} was accepted, ${duplicates} of them twice (in flight at the kill)`,
    );
  }, 120_000);
});
