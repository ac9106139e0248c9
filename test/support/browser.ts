import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';

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

/**
 * Polls `probe` until `accept` holds (every 100 ms, up to `timeoutMs`), like Playwright Test's
 * web-first assertions, which playwright-core does not have.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
