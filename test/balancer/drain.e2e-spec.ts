import { randomUUID } from 'node:crypto';
import { useBalancedCluster } from '../support/balancer';
import { eventually } from '../support/wait';

// A database number of its own on the shared Redis (the adapter's channels and presence keys).
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/9';

/**
 * SIGTERM with SHUTDOWN_DRAIN_MS behind a real HAProxy: the instance first says it is going
 * (`/health` 503), the balancer takes it out while it still serves what is connected to it, and only
 * then does it close its sockets and exit; their clients come back through the balancer at once.
 */
describe('an instance told to stop drains behind HAProxy before it closes', () => {
  // Longer than HAProxy needs to see the instance down (two failed checks 300 ms apart), with room for a slow machine.
  const cluster = useBalancedCluster({ instances: 2, env: { REDIS_URL, SHUTDOWN_DRAIN_MS: '8000' } });

  it('SIGTERM: /health 503, out of the balancer, connected clients still served, then closed, exit 0, clients back on the other instance', async () => {
    const { api } = cluster();
    const [alice, bob] = await api.newUsers(2);
    const chat = await api.newDirect(alice, bob);
    const onApp1 = await cluster().connect(alice.accessToken, { pin: 'app1' });
    const onApp2 = await cluster().connect(bob.accessToken, { pin: 'app2' });
    const app1 = cluster().instance('app1');
    const service = app1.process!;

    service.proc.kill('SIGTERM');
    const health = await eventually(
      () => fetch(`${service.url}/health`),
      (res) => res.status === 503,
      'app1 /health to answer 503',
    );
    expect(await health.json()).toEqual({ statusCode: 503, code: 'UNAVAILABLE', message: 'instance: shutting down' });
    await cluster().haproxy.waitFor('app1', 'DOWN');
    expect(service.proc.exitCode).toBeNull();

    // Out of the balancer, still serving its sockets: both ways of a conversation work.
    const toAlice = await onApp2.call('message:send', { chatId: chat.id, clientId: randomUUID(), text: 'while app1 drains' });
    expect(toAlice).toMatchObject({ ok: true });
    expect(await onApp1.waitFor('message:new', (m) => m.id === toAlice.data.id)).toMatchObject({ text: 'while app1 drains' });
    const fromAlice = await onApp1.call('message:send', { chatId: chat.id, clientId: randomUUID(), text: 'from the draining instance' });
    expect(fromAlice).toMatchObject({ ok: true });
    expect(await onApp2.waitFor('message:new', (m) => m.id === fromAlice.data.id)).toMatchObject({ text: 'from the draining instance' });

    // New requests through the balancer go to the other instance only, and none fails.
    for (let i = 0; i < 6; i++) {
      const res = await api.me(alice);
      expect(res.status).toBe(200);
      expect(res.headers['x-served-by']).toBe('app2');
    }

    // Then it closes and exits 0. Its sockets see the transport close, the reason on which a
    // socket.io client reconnects by itself (after "io server disconnect" it would not).
    const disconnected = onApp1.disconnected(20_000);
    expect(await app1.stop()).toBe(0);
    expect(await disconnected).toBe('transport close');

    // The client's reconnect through the balancer lands on the instance that is up, and it catches up.
    const again = await cluster().connect(alice.accessToken);
    const page = await again.call('messages:history', { chatId: chat.id, limit: 15 });
    expect(page).toMatchObject({ ok: true });
    expect(page.data.items.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([toAlice.data.id, fromAlice.data.id]));
    again.close();
    onApp2.close();
  }, 60_000);
});
