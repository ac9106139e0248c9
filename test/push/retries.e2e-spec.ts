import { ok } from '../support/api';
import { usePushSetup } from './support';

/**
 * What the push service answers decides what happens next: 429 and 5xx are retried with backoff
 * (Retry-After honoured), as are network errors and timeouts; 404 and 410 delete the subscription;
 * any other 4xx drops that push (logged).
 */
describe('push delivery: retries, gone subscriptions, refusals', () => {
  const { api, push, subscribed, list, settled, directChat: offlinePeer, svc } = usePushSetup();

  it('429 with Retry-After: the push is sent again after it, with the same payload', async () => {
    const { a, b, chatId } = await offlinePeer();
    const sub = await subscribed(b);
    push.plan(sub, { status: 429, headers: { 'Retry-After': '1' } });
    const sent = ok(await api.send(a, chatId, { text: 'rate limited' }), 201);
    const [refused, accepted] = await push.waitFor(sub, () => true, 2);
    expect([refused.status, accepted.status]).toEqual([429, 201]);
    expect(accepted.payload).toEqual(refused.payload);
    expect(accepted.payload).toMatchObject({ messageId: sent.id });
    // Retry-After said one second: not sooner.
    expect(accepted.at - refused.at).toBeGreaterThanOrEqual(900);
    await settled();
    expect(push.pushesTo(sub)).toHaveLength(2);
  });

  it('500 and 503: retried with backoff until the push service takes it', async () => {
    const { a, b, chatId } = await offlinePeer();
    const sub = await subscribed(b);
    push.plan(sub, { status: 500 }, { status: 503 });
    ok(await api.send(a, chatId, { text: 'flaky' }), 201);
    const pushes = await push.waitFor(sub, () => true, 3);
    expect(pushes.map((p) => p.status)).toEqual([500, 503, 201]);
    await settled();
  });

  it('a push service that does not answer in time: the push is sent again', async () => {
    const { a, b, chatId } = await offlinePeer();
    const sub = await subscribed(b);
    push.plan(sub, { status: 201, delayMs: 11_000 });
    ok(await api.send(a, chatId, { text: 'slow' }), 201);
    // The first answer comes after the service gave up on it (10 s); the retry is taken at once.
    const pushes = await push.waitFor(sub, () => true, 2, 30_000);
    expect(pushes.map((p) => p.payload.text)).toEqual(['slow', 'slow']);
    await settled();
  });

  it.each([410, 404])('%i: the subscription is deleted, and gets nothing more', async (status) => {
    const { a, b, chatId } = await offlinePeer();
    const sub = await subscribed(b);
    push.plan(sub, { status });
    ok(await api.send(a, chatId, { text: 'gone?' }), 201);
    await push.waitFor(sub);
    await settled();
    expect(ok(await list(b), 200).items).toEqual([]);
    ok(await api.send(a, chatId, { text: 'after' }), 201);
    await settled();
    expect(push.pushesTo(sub).map((p) => p.status)).toEqual([status]);
  });

  it('another 4xx drops that push, logged; the subscription stays and gets the next one', async () => {
    const { a, b, chatId } = await offlinePeer();
    const sub = await subscribed(b);
    push.plan(sub, { status: 413 });
    ok(await api.send(a, chatId, { text: 'refused' }), 201);
    await push.waitFor(sub);
    await settled();
    expect(push.pushesTo(sub).map((p) => p.status)).toEqual([413]);
    expect(svc.output()).toMatch(/push to http:\/\/127\.0\.0\.1:\d+ dropped: 413/);
    ok(await api.send(a, chatId, { text: 'next' }), 201);
    const [, next] = await push.waitFor(sub, () => true, 2);
    expect(next).toMatchObject({ status: 201, payload: { text: 'next' } });
    expect(ok(await list(b), 200).items).toHaveLength(1);
  });
});
