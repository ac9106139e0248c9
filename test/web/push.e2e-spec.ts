import type { CDPSession, Worker } from 'playwright-core';
import { bearer, ok } from '../support/api';
import { eventually, openClient, loginInUi, useBrowser, WebUser } from '../support/browser';
import { useService } from '../support/service';
import { PUSH_ALLOW, PushSubscriptionListDto } from '../push/support';
import { TestPushService } from '../push/push-service';

/**
 * Push notifications in the web client (issue 17), in Chromium: the service worker, permission on a
 * click, the subscription upload, a push delivered through the DevTools protocol, a click, a "read".
 *
 * Chromium's PushManager.subscribe needs its vendor's push service, which this machine cannot reach:
 * the page's PushManager hands out a synthetic subscription on the test's own push service (its keys
 * made by the test), so the server's real pushes to it can be decrypted and delivered to the worker.
 */

const STEP = 120_000;

describe('web client: push notifications', () => {
  let push: TestPushService;
  const svc = useService(() => PUSH_ALLOW);
  const browser = useBrowser();
  let alice: WebUser;
  let cdp: CDPSession;
  let registrationId = '';

  beforeAll(async () => {
    push = await TestPushService.start();
  });
  afterAll(async () => {
    await push?.close();
    expect(alice?.problems).toEqual([]);
  });

  const worker = (): Promise<Worker> => {
    const [w] = alice.context.serviceWorkers();
    return w ? Promise.resolve(w) : alice.context.waitForEvent('serviceworker');
  };
  const shown = () =>
    alice.page.evaluate<Array<{ title: string; body: string; tag: string }>>(
      `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))`,
    );

  it(
    'registers the service worker, asks for permission on the click, and uploads the subscription for the session',
    async () => {
      const [user, bob] = await svc.api.newUsers(2);
      const sub = push.subscription();
      const tab = await openClient(browser(), svc.url);
      alice = { ...tab, user };
      await alice.context.grantPermissions(['notifications'], { origin: svc.url });
      // The synthetic subscription (see above), with the key the page asked for kept to compare.
      await alice.context.addInitScript(`(() => {
        let made = null;
        PushManager.prototype.getSubscription = async () => made;
        PushManager.prototype.subscribe = async (options) => {
          window.__subscribedWithKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
          const json = { endpoint: ${JSON.stringify(sub.endpoint)}, expirationTime: null, keys: ${JSON.stringify(sub.keys)} };
          made = { endpoint: json.endpoint, options, toJSON: () => json, unsubscribe: async () => true };
          return made;
        };
      })()`);
      await alice.page.reload();
      await loginInUi(alice.page, user);
      await worker();
      expect(await alice.page.evaluate('navigator.serviceWorker.ready.then((r) => r.scope)')).toBe(`${svc.url}/`);

      await alice.page.locator('#notify-btn').waitFor({ state: 'visible' });
      await alice.page.click('#notify-btn');
      await eventually(
        () => alice.page.locator('#notify-status').textContent(),
        (t) => t === 'Notifications are on.',
        'the control to say notifications are on',
      );
      const { publicKey } = ok(await svc.api.get<{ publicKey: string }>('/api/push/vapid-public-key', user), 200);
      push.vapidPublicKey = publicKey;
      expect(Buffer.from(await alice.page.evaluate<string>('window.__subscribedWithKey'), 'base64').toString('base64url')).toBe(publicKey);
      const token = await alice.page.evaluate<string>(`JSON.parse(localStorage.getItem('chat.session')).accessToken`);
      const list = ok(await svc.api.get<PushSubscriptionListDto>('/api/push/subscriptions', { auth: bearer(token) }), 200);
      expect(list.items.map((i) => i.endpoint)).toEqual([sub.endpoint]);

      // The server pushes to it once the tab is gone (no connected socket): the payload, decrypted.
      const chat = await svc.api.newGroup(bob, [user], 'Weekend plans');
      await alice.page.goto('about:blank');
      ok(await svc.api.send(bob, chat.id, { text: 'Are we still on for Saturday?' }), 201);
      const [received] = await push.waitFor(sub, (p) => p.payload.type === 'message');
      expect(received.payload).toMatchObject({
        type: 'message',
        chatId: chat.id,
        chatTitle: 'Weekend plans',
        text: 'Are we still on for Saturday?',
      });

      // Delivered to the worker through the DevTools protocol, exactly as the server sent it.
      await alice.page.goto('/');
      await alice.page.waitForSelector('#conn-status[data-state="online"]');
      cdp = await alice.context.newCDPSession(alice.page);
      const registered = new Promise<string>((resolve) =>
        cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
          const r = registrations.find((x) => x.scopeURL === `${svc.url}/` && !x.isDeleted);
          if (r) resolve(r.registrationId);
        }),
      );
      await cdp.send('ServiceWorker.enable');
      registrationId = await registered;
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: svc.url, registrationId, data: JSON.stringify(received.payload) });
      await eventually(shown, (ns) => ns.length === 1, 'the notification to show');
      const bobName = received.payload.senderName as string;
      expect(await shown()).toEqual([{ title: 'Weekend plans', body: `${bobName}: Are we still on for Saturday?`, tag: chat.id }]);

      // A click (dispatched in the worker with the notification shown) opens the chat in the tab.
      const w = await worker();
      await w.evaluate(
        `self.registration.getNotifications().then(([n]) => self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n })))`,
      );
      await eventually(
        () => alice.page.locator('#chat-title').textContent(),
        (t) => t === 'Weekend plans',
        'the chat to open',
      );
      await eventually(shown, (ns) => ns.length === 0, 'the clicked notification to close');

      // A "read" push (the user read the chat elsewhere) closes that chat's notification.
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: svc.url, registrationId, data: JSON.stringify(received.payload) });
      await eventually(shown, (ns) => ns.length === 1, 'the notification to show again');
      const read = { type: 'read', chatId: chat.id, seq: received.payload.seq };
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: svc.url, registrationId, data: JSON.stringify(read) });
      await eventually(shown, (ns) => ns.length === 0, 'the read push to close the notification');
    },
    STEP,
  );
});
