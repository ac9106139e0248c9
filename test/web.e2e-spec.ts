import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import type { Browser, Page } from 'playwright-core';
import {
  ClientTab,
  expectAttribute,
  expectCount,
  expectText,
  expectTextContaining,
  launchBrowser,
  openClient,
  registerInUi,
} from './support/browser';
import { checkedRequest, registerUser, uniqueName } from './support/api';
import { ServiceProcess, TestService, spawnService, startTestService } from './support/service';

/**
 * The web client (public/) in a real browser: Debian's Chromium driven by playwright-core, two
 * browser contexts as two users, against the built service on a fresh database.
 */

const OUTPUT_DIR = join(__dirname, 'output');
const STEP = 120_000;

/** Status and body of a supertest answer, for one assertion that shows both when it fails. */
function answer<T = unknown>(res: Response): { status: number; body: T } {
  return { status: res.status, body: res.body as T };
}

async function login(url: string, username: string) {
  const res = answer<{ user: { id: string }; accessToken: string }>(
    await checkedRequest(url).post('/api/auth/login').send({ username, password: 'correct horse battery' }),
  );
  expect(res).toMatchObject({ status: 200 });
  return { id: res.body.user.id, auth: { Authorization: `Bearer ${res.body.accessToken}` } };
}

/**
 * The few DOM members the page functions below use: the tests compile without the DOM library, and
 * these functions run in the page, not in Node.
 */
interface PageElement {
  scrollTop: number;
  getBoundingClientRect(): { top: number };
  closest(selector: string): PageElement;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  MutationObserver: new (callback: () => void) => { observe(target: PageElement | null, options: object): void };
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

interface StoredSession {
  accessToken: string;
  refreshToken: string;
}

/** The text of the last message of `kind` ('own' | 'other') in the open chat. */
function lastMessage(page: Page, kind: 'own' | 'other') {
  return page.locator(`#messages li.msg.${kind}`).last();
}

describe('web client (Chromium)', () => {
  let svc: TestService;
  let browser: Browser;
  let alice: ClientTab;
  let bob: ClientTab;
  let restarted: ServiceProcess | null = null;
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  let directChatId = '';

  beforeAll(async () => {
    // One after the other, so that afterAll stops the service even when the browser fails to start.
    svc = await startTestService();
    browser = await launchBrowser();
    alice = await openClient(browser, svc.url);
    bob = await openClient(browser, svc.url);
  }, STEP);

  afterAll(async () => {
    await browser?.close();
    await restarted?.stop();
    await svc?.close();
  });

  it('is served at / with a strict Content-Security-Policy, and socket.io’s browser client beside it', async () => {
    const page = await checkedRequest(svc.url).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/js/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const client = await checkedRequest(svc.url).get('/vendor/socket.io/socket.io.esm.min.js');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/javascript/);
    // The API is unaffected.
    expect((await checkedRequest(svc.url).get('/api/users/me')).status).toBe(401);
  });

  it(
    'registers two users in the UI; A starts a direct chat with B by username; ticks go sent → delivered → read',
    async () => {
      await registerInUi(alice.page, aliceName);
      await registerInUi(bob.page, bobName);
      const a = alice.page;
      const b = bob.page;

      // A: new chat dialog, search by username; Escape closes the dialog.
      await a.click('#new-direct-btn');
      await a.waitForSelector('#direct-dialog[open]');
      await a.keyboard.press('Escape');
      await a.waitForSelector('#direct-dialog:not([open])', { state: 'attached' });
      await a.click('#new-direct-btn');
      await a.fill('#direct-search', bobName.slice(0, 6));
      await a.click(`#direct-results button[data-username="${bobName}"]`);
      await a.waitForSelector('#chat-view:not([hidden])');
      await expectText(a.locator('#chat-title'), bobName);
      directChatId = (await a.getAttribute('.chat-item[aria-current="true"]', 'data-chat-id'))!;
      expect(directChatId).toMatch(/^[0-9a-f-]{36}$/);

      // A sends (Enter) once the chat has opened (its header shows B online, as a person would see).
      // B is online with the chat closed: its client acknowledges delivery.
      await expectText(a.locator('#chat-subtitle'), 'online');
      await a.fill('#message-input', 'Hello Bob!');
      await a.press('#message-input', 'Enter');
      await expectText(lastMessage(a, 'own').locator('.text'), 'Hello Bob!');
      await a.waitForSelector('#messages li.msg.own [data-status="delivered"]');
      expect(await a.inputValue('#message-input')).toBe('');

      // B: the chat is in the list with an unread badge and the preview; opening it reads it.
      const item = b.locator(`.chat-item[data-chat-id="${directChatId}"]`);
      await expectText(item.locator('.badge'), '1 unread');
      await expectText(item.locator('.chat-item-preview'), 'Hello Bob!');
      await expectCount(item.locator('.online-dot'), 1);
      await item.click();
      await expectText(lastMessage(b, 'other').locator('.text'), 'Hello Bob!');
      await a.waitForSelector('#messages li.msg.own [data-status="read"]');
      await expectCount(item.locator('.badge'), 0);

      // B answers on two lines (Shift+Enter), A sees it live.
      await b.click('#message-input');
      await b.keyboard.type('Hi Alice,');
      await b.keyboard.press('Shift+Enter');
      await b.keyboard.type('how are you?');
      await b.keyboard.press('Enter');
      await expectText(lastMessage(a, 'other').locator('.text'), 'Hi Alice,\nhow are you?');
      await b.waitForSelector('#messages li.msg.own [data-status="read"]');
    },
    STEP,
  );

  it(
    'shows “typing…” to A while B types, and clears it when B sends',
    async () => {
      const a = alice.page;
      const b = bob.page;
      await expectText(a.locator('#chat-subtitle'), 'online');
      await b.click('#message-input');
      await b.keyboard.type('I am typ');
      await expectText(a.locator('#chat-subtitle'), 'typing…');
      await expectText(a.locator(`.chat-item[data-chat-id="${directChatId}"] .chat-item-preview`), 'typing…');
      await b.keyboard.type('ing');
      await b.keyboard.press('Enter');
      await expectText(lastMessage(a, 'other').locator('.text'), 'I am typing');
      await expectText(a.locator('#chat-subtitle'), 'online');
    },
    STEP,
  );

  it(
    'A sends a file (upload with a progress bar); B downloads the same bytes',
    async () => {
      const a = alice.page;
      const b = bob.page;
      const bytes = randomBytes(300 * 1024);
      await a.setInputFiles('#file-input', { name: 'report 2026.bin', mimeType: 'application/octet-stream', buffer: bytes });
      await a.waitForSelector('#uploads progress[value="100"]');
      await a.fill('#message-input', 'the report');
      await a.click('#send-btn');
      const sent = lastMessage(a, 'own');
      await expectText(sent.locator('.attachment-name'), 'report 2026.bin');
      await expectCount(a.locator('#uploads li'), 0);

      const received = lastMessage(b, 'other');
      await expectText(received.locator('.text'), 'the report');
      await expectText(received.locator('.attachment-size'), '300.0 KB');
      const [download] = await Promise.all([b.waitForEvent('download'), received.locator('.attachment').click()]);
      expect(download.suggestedFilename()).toBe('report 2026.bin');
      const saved = readFileSync(await download.path());
      expect(saved.equals(bytes)).toBe(true);

      mkdirSync(OUTPUT_DIR, { recursive: true });
      const screenshot = join(OUTPUT_DIR, 'chat-view.png');
      await a.screenshot({ path: screenshot });
      console.log(`web client screenshot: ${screenshot}`);
    },
    STEP,
  );

  it(
    'loads history 15 at a time when scrolling up, keeping the scroll position, back to the first message',
    async () => {
      const a = alice.page;
      // B makes a group with A and writes 40 messages through the REST API.
      const b = await login(svc.url, bobName);
      const aliceId = (await login(svc.url, aliceName)).id;
      const group = answer<{ id: string }>(
        await checkedRequest(svc.url)
          .post('/api/chats')
          .set(b.auth)
          .send({ type: 'group', title: 'History club', memberIds: [aliceId] }),
      );
      expect(group).toMatchObject({ status: 201 });
      for (let i = 1; i <= 40; i++) {
        const res = await checkedRequest(svc.url)
          .post(`/api/chats/${group.body.id}/messages`)
          .set(b.auth)
          .send({ clientId: randomUUID(), text: `history ${String(i).padStart(2, '0')}` });
        expect(answer(res)).toMatchObject({ status: 201 });
      }
      const item = a.locator(`.chat-item[data-chat-id="${group.body.id}"]`);
      await expectText(item.locator('.badge'), '41 unread'); // the 40 and the group's creation
      await item.click();
      await expectText(lastMessage(a, 'other').locator('.text'), 'history 40');
      await expectCount(a.locator('#messages li.msg'), 15);

      // Scroll to the top: the next 15 go in above, and what was on top stays where it was.
      // (Without that, the old first message would end up 15 messages further down.)
      const firstSeq = await a.getAttribute('#messages li.msg >> nth=0', 'data-seq');
      const scroller = a.locator('#messages-scroll');
      await scroller.evaluate((el: PageElement) => (el.scrollTop = 0));
      await expectCount(a.locator('#messages li.msg'), 30);
      const offset = await a
        .locator(`#messages li[data-seq="${firstSeq}"]`)
        .evaluate((el: PageElement) => el.getBoundingClientRect().top - el.closest('#messages-scroll').getBoundingClientRect().top);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(80);
      expect(await scroller.evaluate((el: PageElement) => el.scrollTop)).toBeGreaterThan(300);

      // Keep scrolling up until the beginning: the first message and the group's creation.
      await a.waitForFunction(
        () => {
          const d = (globalThis as unknown as PageGlobals).document;
          d.querySelector('#messages-scroll')!.scrollTop = 0;
          return d.querySelector('#messages li[data-seq="1"]') !== null;
        },
        null,
        { polling: 250, timeout: 60_000 },
      );
      await expectText(a.locator('#messages li.msg.other .text').first(), 'history 01');
      await expectCount(a.locator('#messages li.msg.system').first(), 1);
      await expectText(a.locator('#history-status'), 'This is the beginning of the conversation.');
      expect(await a.locator('#messages li.msg').count()).toBe(41);
    },
    STEP,
  );

  it(
    'shows the ticks the server computes: in a group, delivered and read only once every other member is',
    async () => {
      const a = alice.page;
      const [carol, dave] = [await registerUser(svc.url), await registerUser(svc.url)];
      const group = answer<{ id: string }>(
        await checkedRequest(svc.url)
          .post('/api/chats')
          .set((await login(svc.url, aliceName)).auth)
          .send({ type: 'group', title: 'Tick club', memberIds: [carol.id, dave.id] }),
      );
      expect(group).toMatchObject({ status: 201 });
      const chatId = group.body.id;
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      // The chat is open once its history is there (the "created the group" line), as a person sees it.
      await expectCount(a.locator('#messages li.msg.system'), 1);
      await a.fill('#message-input', 'Who has seen this?');
      await a.press('#message-input', 'Enter');
      const tick = lastMessage(a, 'own').locator('.ticks');
      await expectAttribute(tick, 'data-status', 'sent');
      const seq = Number(await lastMessage(a, 'own').getAttribute('data-seq'));
      // Every tick the message and its chat-list entry show from now on, in order.
      await a.evaluate(
        ({ chatId, seq }) => {
          const g = globalThis as unknown as PageGlobals & { shownTicks: { message: string[]; list: string[] } };
          const shown = (g.shownTicks = { message: [], list: [] });
          const note = (into: string[], value: string | null | undefined) => value && into.at(-1) !== value && into.push(value);
          const look = () => {
            note(shown.message, g.document.querySelector(`#messages li[data-seq="${seq}"] .ticks`)?.getAttribute('data-status'));
            note(shown.list, g.document.querySelector(`.chat-item[data-chat-id="${chatId}"] .ticks`)?.getAttribute('class'));
          };
          new g.MutationObserver(look).observe(g.document.querySelector('#app-view'), { subtree: true, childList: true, attributes: true });
          look();
        },
        { chatId, seq },
      );
      const cursor = async (user: typeof carol, type: 'delivered' | 'read') => {
        const res = await checkedRequest(svc.url).post(`/api/chats/${chatId}/${type}`).set(user.auth).send({ seq });
        expect(res.status).toBe(204);
      };
      // Carol reading is not enough: Dave has not even got it. Then Dave gets it, then reads it.
      await cursor(carol, 'read');
      await cursor(dave, 'delivered');
      await expectAttribute(tick, 'data-status', 'delivered');
      await cursor(dave, 'read');
      await expectAttribute(tick, 'data-status', 'read');
      await expectAttribute(a.locator(`.chat-item[data-chat-id="${chatId}"] .ticks`), 'class', 'ticks read');
      const shown = await a.evaluate(() => (globalThis as unknown as { shownTicks: { message: string[]; list: string[] } }).shownTicks);
      expect(shown).toEqual({ message: ['sent', 'delivered', 'read'], list: ['ticks sent', 'ticks delivered', 'ticks read'] });
    },
    STEP,
  );

  it(
    'pins and unpins a chat, answers /who, deletes for everyone, forwards; one pane at a time on a phone',
    async () => {
      const a = alice.page;
      const b = bob.page;
      // Open the direct chat; pin it: it goes on top with a pin mark.
      await a.click(`.chat-item[data-chat-id="${directChatId}"]`);
      await a.click('#pin-btn');
      await expectAttribute(a.locator('#pin-btn'), 'aria-pressed', 'true');
      await expectAttribute(a.locator('.chat-item').first(), 'data-chat-id', directChatId);
      await expectCount(a.locator('.chat-item').first().locator('.pinned-mark'), 1);
      await a.click('#pin-btn');
      await expectAttribute(a.locator('#pin-btn'), 'aria-pressed', 'false');

      // A command: the answer shows briefly; nothing is stored.
      const count = await a.locator('#messages li.msg').count();
      await a.fill('#message-input', '/who');
      await a.press('#message-input', 'Enter');
      await expectTextContaining(a.locator('#notice'), `@${bobName}`);
      await expectTextContaining(a.locator('#notice'), `@${aliceName}`);
      expect(await a.locator('#messages li.msg').count()).toBe(count);

      // Delete for everyone: B sees the tombstone.
      await a.fill('#message-input', 'oops, wrong chat');
      await a.press('#message-input', 'Enter');
      await expectText(lastMessage(b, 'other').locator('.text'), 'oops, wrong chat');
      await lastMessage(a, 'own').hover();
      await lastMessage(a, 'own').locator('.msg-actions').click();
      await a.click('#delete-all-btn');
      await expectText(lastMessage(a, 'own').locator('.text'), 'This message was deleted');
      await expectText(lastMessage(b, 'other').locator('.text'), 'This message was deleted');

      // Forward B's first message into the group.
      await a.locator('#messages li.msg.other').first().hover();
      await a.locator('#messages li.msg.other .msg-actions').first().click();
      await a.click('#forward-msg-btn');
      await a.click('#forward-list button:text-is("History club")');
      await expectTextContaining(a.locator('#notice'), 'Forwarded to History club');
      await b.click('.chat-item:has-text("History club")');
      await expectText(lastMessage(b, 'other').locator('.forwarded'), ' Forwarded from You');
      await expectText(lastMessage(b, 'other').locator('.text'), 'Hi Alice,\nhow are you?');

      // A phone-sized screen: the chat alone, the back button returns to the list.
      await a.setViewportSize({ width: 390, height: 760 });
      await a.locator('#sidebar').waitFor({ state: 'hidden' });
      await a.click('#back-btn');
      await a.locator('#sidebar').waitFor({ state: 'visible' });
      await a.locator('#chat-pane').waitFor({ state: 'hidden' });
      await a.click(`.chat-item[data-chat-id="${directChatId}"]`);
      await a.locator('#chat-pane').waitFor({ state: 'visible' });
      mkdirSync(OUTPUT_DIR, { recursive: true });
      await a.screenshot({ path: join(OUTPUT_DIR, 'chat-view-phone.png') });
      await a.setViewportSize({ width: 1100, height: 720 });
    },
    STEP,
  );

  it(
    'creates a group in the UI; deletes it for me until a new message brings it back; logs out and in',
    async () => {
      const a = alice.page;
      const b = bob.page;
      await a.click('#new-group-btn');
      await a.fill('#group-title', 'Weekend plans');
      await a.fill('#group-members', `@${bobName}`);
      await a.click('#group-form button[type="submit"]');
      await expectText(a.locator('#chat-title'), 'Weekend plans');
      await expectText(a.locator('#chat-subtitle'), '2 members');
      const groupId = (await a.getAttribute('.chat-item[aria-current="true"]', 'data-chat-id'))!;
      const bobItem = b.locator(`.chat-item[data-chat-id="${groupId}"]`);
      await expectText(bobItem.locator('.chat-item-title'), 'Weekend plans');

      await a.click('#delete-chat-btn');
      await a.click('#confirm-ok');
      await expectCount(a.locator(`.chat-item[data-chat-id="${groupId}"]`), 0);
      await a.waitForSelector('#chat-placeholder:not([hidden])');
      await bobItem.click();
      await b.fill('#message-input', 'Saturday?');
      await b.press('#message-input', 'Enter');
      const aliceItem = a.locator(`.chat-item[data-chat-id="${groupId}"]`);
      await expectText(aliceItem.locator('.chat-item-preview'), 'Saturday?');
      await expectText(aliceItem.locator('.badge'), '1 unread');

      await a.click('#logout-btn');
      await a.waitForSelector('#auth-view:not([hidden])');
      expect(await a.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('chat.session'))).toBeNull();
      await a.fill('#auth-username', aliceName);
      await a.fill('#auth-password', 'wrong password');
      await a.click('#auth-submit');
      await expectText(a.locator('#auth-error'), 'Wrong username or password.');
      await a.fill('#auth-password', 'correct horse battery');
      await a.click('#auth-submit');
      await a.waitForSelector('#conn-status[data-state="online"]');
      await expectText(aliceItem.locator('.chat-item-preview'), 'Saturday?');
      await expectCount(a.locator(`.chat-item[data-chat-id="${directChatId}"]`), 1);
    },
    STEP,
  );

  it(
    'after a 401, refreshes the token once and retries; the refresh token rotates',
    async () => {
      const a = alice.page;
      const stored = () => (globalThis as unknown as PageGlobals).localStorage.getItem('chat.session');
      const before = JSON.parse((await a.evaluate(stored))!) as StoredSession;
      await a.evaluate(
        (s: StoredSession) =>
          (globalThis as unknown as PageGlobals).localStorage.setItem('chat.session', JSON.stringify({ ...s, accessToken: 'expired' })),
        before,
      );
      await a.click('#new-direct-btn');
      await a.fill('#direct-search', bobName);
      await a.waitForSelector(`#direct-results button[data-username="${bobName}"]`);
      await a.keyboard.press('Escape');
      const after = JSON.parse((await a.evaluate(stored))!) as StoredSession;
      expect(after.accessToken).not.toBe('expired');
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(
        (
          await checkedRequest(svc.url)
            .get('/api/users/me')
            .set({ Authorization: `Bearer ${after.accessToken}` })
        ).status,
      ).toBe(200);
    },
    STEP,
  );

  it(
    'reconnects by itself after a restart and catches up on what it missed',
    async () => {
      const a = alice.page;
      await a.click(`.chat-item[data-chat-id="${directChatId}"]`);
      await expectAttribute(a.locator('#conn-status'), 'data-state', 'online');
      // A second instance on the same database (no Redis: its events never reach A's socket).
      const other = await spawnService({ DATABASE_URL: svc.databaseUrl });
      try {
        await svc.stop();
        await expectAttribute(a.locator('#conn-status'), 'data-state', 'offline');
        const b = await login(other.url, bobName);
        const res = await checkedRequest(other.url)
          .post(`/api/chats/${directChatId}/messages`)
          .set(b.auth)
          .send({ clientId: randomUUID(), text: 'sent while you were away' });
        expect(answer(res)).toMatchObject({ status: 201 });
        restarted = await spawnService({ DATABASE_URL: svc.databaseUrl }, svc.port);
      } finally {
        await other.stop();
      }
      await expectAttribute(a.locator('#conn-status'), 'data-state', 'online', 60_000);
      await expectText(lastMessage(a, 'other').locator('.text'), 'sent while you were away');
      // And live traffic flows again.
      await bob.page.waitForSelector('#conn-status[data-state="online"]', { timeout: 60_000 });
      await bob.page.click(`.chat-item[data-chat-id="${directChatId}"]`);
      await bob.page.fill('#message-input', 'welcome back');
      await bob.page.press('#message-input', 'Enter');
      await expectText(lastMessage(a, 'other').locator('.text'), 'welcome back');
    },
    STEP,
  );

  it('saw no uncaught errors and no Content-Security-Policy violations', () => {
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});

describe('web client against a service with small history pages', () => {
  // The client names no page size: it takes the server's default and follows `hasMore`, so a
  // HISTORY_PAGE_MAX below what a client might guess (15 to open a chat, 100 to catch up) is fine.
  const env = { HISTORY_PAGE_SIZE: '4', HISTORY_PAGE_MAX: '5' };
  let svc: TestService;
  let browser: Browser;
  let carol: ClientTab;
  const rejected: string[] = [];

  beforeAll(async () => {
    svc = await startTestService(env);
    browser = await launchBrowser();
    carol = await openClient(browser, svc.url);
    carol.page.on('response', (r) => {
      if (r.url().includes('/api/') && r.status() >= 400 && r.status() !== 401) rejected.push(`${r.status()} ${r.url()}`);
    });
  }, STEP);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it(
    'opens a chat and closes a gap of missed messages page by page',
    async () => {
      const c = carol.page;
      const carolName = uniqueName('carol');
      await registerInUi(c, carolName);
      const dave = await registerUser(svc.url);
      const carolId = (await login(svc.url, carolName)).id;
      const chat = answer<{ id: string }>(
        await checkedRequest(svc.url).post('/api/chats').set(dave.auth).send({ type: 'direct', userId: carolId }),
      );
      expect(chat).toMatchObject({ status: 201 });
      const chatId = chat.body.id;
      const say = (url: string, text: string) =>
        checkedRequest(url).post(`/api/chats/${chatId}/messages`).set(dave.auth).send({ clientId: randomUUID(), text });
      for (let i = 1; i <= 6; i++) expect((await say(svc.url, `before ${i}`)).status).toBe(201);
      await c.click(`.chat-item[data-chat-id="${chatId}"]`);
      await expectText(lastMessage(c, 'other').locator('.text'), 'before 6');

      // Eleven messages through a second instance without Redis: Carol's socket hears of none of them.
      const other = await spawnService({ DATABASE_URL: svc.databaseUrl, ...env });
      try {
        for (let i = 1; i <= 11; i++) expect((await say(other.url, `missed ${String(i).padStart(2, '0')}`)).status).toBe(201);
      } finally {
        await other.stop();
      }
      // The next one arrives live; the gap before it is fetched `after` the newest held, three pages.
      expect((await say(svc.url, 'after the gap')).status).toBe(201);
      await expectText(lastMessage(c, 'other').locator('.text'), 'after the gap');
      const texts = await c.locator('#messages li.msg.other .text').allTextContents();
      const missed = Array.from({ length: 11 }, (_, i) => `missed ${String(i + 1).padStart(2, '0')}`);
      expect(texts.slice(-12)).toEqual([...missed, 'after the gap']);
      expect(rejected).toEqual([]);
      expect(carol.problems).toEqual([]);
    },
    STEP,
  );
});
