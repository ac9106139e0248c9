import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';
import type { TestUser } from './api';
import type { TestService } from './service';
import { eventually } from './wait';

export { eventually };

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a new, empty profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface ClientTab {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and Content-Security-Policy violations seen by the page. */
  problems: string[];
}

/** A browser context of its own (one user: its own localStorage) with the web client open. */
export async function openClient(browser: Browser, url: string, viewport = { width: 1100, height: 720 }): Promise<ClientTab> {
  const context = await browser.newContext({ baseURL: url, viewport, acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  await page.goto('/');
  return { context, page, problems };
}

/** Registers through the UI's form and waits for the chat list. */
export async function registerInUi(page: Page, username: string, password = 'correct horse battery'): Promise<void> {
  await page.click('#auth-switch');
  await page.fill('#auth-username', username);
  await page.fill('#auth-display-name', username);
  await page.fill('#auth-password', password);
  await page.click('#auth-submit');
  await page.waitForSelector('#app-view:not([hidden])');
  await page.waitForSelector('#conn-status[data-state="online"]');
}

const text = (locator: Locator) => locator.textContent({ timeout: 1000 });

export const expectText = (locator: Locator, expected: string, timeoutMs?: number) =>
  eventually(
    () => text(locator),
    (t) => t === expected,
    `${String(locator)} to have text ${JSON.stringify(expected)}`,
    timeoutMs,
  );

export const expectTextContaining = (locator: Locator, expected: string, timeoutMs?: number) =>
  eventually(
    () => text(locator),
    (t) => t?.includes(expected) ?? false,
    `${String(locator)} to contain ${JSON.stringify(expected)}`,
    timeoutMs,
  );

export const expectCount = (locator: Locator, expected: number, timeoutMs?: number) =>
  eventually(
    () => locator.count(),
    (n) => n === expected,
    `${String(locator)} to count ${expected}`,
    timeoutMs,
  );

export const expectAttribute = (locator: Locator, name: string, expected: string, timeoutMs?: number) =>
  eventually(
    () => locator.getAttribute(name, { timeout: 1000 }),
    (v) => v === expected,
    `${String(locator)} to have ${name}="${expected}"`,
    timeoutMs,
  );

/** Logs in through the UI's form (a user registered through the API) and waits for the live connection. */
export async function loginInUi(page: Page, user: Pick<TestUser, 'username' | 'password'>): Promise<void> {
  await page.fill('#auth-username', user.username);
  await page.fill('#auth-password', user.password);
  await page.click('#auth-submit');
  await page.waitForSelector('#app-view:not([hidden])');
  await page.waitForSelector('#conn-status[data-state="online"]');
}

export interface WebUser extends ClientTab {
  user: TestUser;
}

/** The web client in a browser context of its own, logged in as `user` (one more device of that user). */
export async function openAs(browser: Browser, url: string, user: TestUser): Promise<WebUser> {
  const tab = await openClient(browser, url);
  await loginInUi(tab.page, user);
  return { ...tab, user };
}

/**
 * A browser for the tests of one spec file: launched before them, closed after them (with every
 * context opened in it).
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not running yet: use it in hooks and tests after useBrowser');
    return browser;
  };
}

/**
 * `n` users registered through the API, each logged in in a browser context of its own (before the
 * tests of the spec file; the array is filled then). After the tests, the page errors and CSP
 * violations they saw must be none.
 */
export function useWebUsers(svc: TestService, browser: () => Browser, n: number): WebUser[] {
  const users: WebUser[] = [];
  beforeAll(async () => {
    for (const user of await svc.api.newUsers(n)) users.push(await openAs(browser(), svc.url, user));
  }, 120_000);
  afterAll(() => {
    expect(users.flatMap((u) => u.problems)).toEqual([]);
  });
  return users;
}

/** The message items of the open chat: 'own' | 'other', or any. */
export function messageItems(page: Page, kind?: 'own' | 'other'): Locator {
  return page.locator(kind ? `#messages li.msg.${kind}` : '#messages li.msg');
}

/** The item of the message with `seq` in the open chat. */
export function messageBySeq(page: Page, seq: number): Locator {
  return page.locator(`#messages li.msg[data-seq="${seq}"]`);
}

/** The chat's entry in the chat list. */
export function chatItem(page: Page, chatId: string): Locator {
  return page.locator(`.chat-item[data-chat-id="${chatId}"]`);
}

/** Hovers the message (its tools show on hover) and clicks one of them: reply, react or actions. */
export async function messageTool(message: Locator, tool: 'reply' | 'react' | 'actions'): Promise<void> {
  await message.hover();
  await message.locator(`.msg-${tool}`).click();
}

const OUTPUT_DIR = join(__dirname, '..', 'output');

/** Saves a screenshot of the page as test/output/NAME.png (for people to look at); returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Runs `fn` (a function's source: it uses the DOM, which the tests compile without) in the page
 * with `arg`, and resolves with what it returns.
 */
function inPage<T>(page: Page, fn: string, arg: unknown): Promise<T> {
  return page.evaluate<T>(`(${fn})(${JSON.stringify(arg)})`);
}

/** A PNG of `width` × `height` pixels drawn by the browser (four coloured quarters). */
export async function makePng(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await inPage<string>(
    page,
    `async ([w, h]) => {
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext('2d');
      [['#e53935', 0, 0], ['#1e88e5', w / 2, 0], ['#43a047', 0, h / 2], ['#fdd835', w / 2, h / 2]].forEach(([c, x, y]) => {
        g.fillStyle = c;
        g.fillRect(x, y, w / 2, h / 2);
      });
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    }`,
    [width, height],
  );
  return Buffer.from(base64, 'base64');
}

/** A short WebM video (VP8) recorded by the browser from a canvas. */
export async function makeWebm(page: Page, durationMs = 600): Promise<Buffer> {
  const base64 = await inPage<string>(
    page,
    `async (ms) => {
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const g = canvas.getContext('2d');
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm;codecs=vp8' });
      const chunks = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((resolve) => (recorder.onstop = resolve));
      recorder.start();
      const start = performance.now();
      await new Promise((resolve) => {
        const draw = () => {
          const t = performance.now() - start;
          g.fillStyle = 'hsl(' + Math.round(t / 3) + ', 80%, 50%)';
          g.fillRect(0, 0, 160, 120);
          if (t < ms) requestAnimationFrame(draw);
          else resolve();
        };
        draw();
      });
      recorder.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    }`,
    durationMs,
  );
  return Buffer.from(base64, 'base64');
}
