import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  eventually,
  expectAttribute,
  expectCount,
  expectText,
  makePng,
  makeWebm,
  messageItems,
  screenshot,
  useBrowser,
  useWebUsers,
} from '../support/browser';
import { useService } from '../support/service';

/**
 * Images and videos shown inline (issue 15): the bytes are fetched with the bearer token into object
 * URLs, never with a token in a URL; the attachment still downloads as a file.
 */

const STEP = 120_000;

/** The loaded size of the <img> or <video> of the last message of `kind`, and where its bytes came from. */
function shownMedia(page: Page, kind: 'own' | 'other', tag: 'img' | 'video') {
  return messageItems(page, kind)
    .last()
    .locator(`.media ${tag}`)
    .evaluate((el: { src: string; naturalWidth?: number; videoWidth?: number; readyState?: number }) => ({
      src: el.src.slice(0, 5),
      width: el.naturalWidth ?? el.videoWidth ?? 0,
      ready: el.readyState ?? null,
    }));
}

describe('web client: images and videos inline', () => {
  const svc = useService({}, { dataDir: true });
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);
  let chatId = '';
  const urls: string[] = [];

  beforeAll(async () => {
    const [alice, bob] = web;
    chatId = (await svc.api.newDirect(alice.user, bob.user)).id;
    for (const u of web) {
      u.page.on('request', (r) => urls.push(r.url()));
      await u.page.click(`.chat-item[data-chat-id="${chatId}"]`);
    }
  }, STEP);

  it(
    'shows a photo inline for both users, at full size on click, and still downloads it as a file',
    async () => {
      const [alice, bob] = web;
      const png = await makePng(alice.page, 96, 64);
      await alice.page.setInputFiles('#file-input', { name: 'holiday.png', mimeType: 'image/png', buffer: png });
      await alice.page.waitForSelector('#uploads progress[value="100"]');
      await alice.page.fill('#message-input', 'the beach');
      await alice.page.press('#message-input', 'Enter');

      for (const [page, kind] of [
        [alice.page, 'own'],
        [bob.page, 'other'],
      ] as const) {
        await eventually(
          () => shownMedia(page, kind, 'img'),
          (m) => m.src === 'blob:' && m.width === 96,
          `the photo shown to the ${kind === 'own' ? 'sender' : 'recipient'}`,
        );
      }
      // Full size, from the same bytes.
      const received = messageItems(bob.page, 'other').last();
      await received.locator('.media').click();
      await bob.page.waitForSelector('#media-dialog[open]');
      await expectText(bob.page.locator('#media-heading'), 'holiday.png');
      await eventually(
        () => bob.page.locator('#media-full').evaluate((img: { naturalWidth: number }) => img.naturalWidth),
        (w) => w === 96,
        'the full-size image',
      );
      await screenshot(bob.page, 'media-lightbox');
      const [fromDialog] = await Promise.all([bob.page.waitForEvent('download'), bob.page.click('#media-download')]);
      expect(fromDialog.suggestedFilename()).toBe('holiday.png');
      expect(readFileSync(await fromDialog.path()).equals(png)).toBe(true);
      await bob.page.keyboard.press('Escape');
      await bob.page.locator('#media-dialog[open]').waitFor({ state: 'detached' });
      // And as a file, from the message.
      const [download] = await Promise.all([bob.page.waitForEvent('download'), received.locator('.attachment').click()]);
      expect(readFileSync(await download.path()).equals(png)).toBe(true);
      await screenshot(bob.page, 'media-photo');
    },
    STEP,
  );

  it(
    'shows a video inline with its controls',
    async () => {
      const [alice, bob] = web;
      const webm = await makeWebm(alice.page);
      await alice.page.setInputFiles('#file-input', { name: 'clip.webm', mimeType: 'video/webm', buffer: webm });
      await alice.page.waitForSelector('#uploads progress[value="100"]');
      await alice.page.press('#message-input', 'Enter');
      await eventually(
        () => shownMedia(bob.page, 'other', 'video'),
        (m) => m.src === 'blob:' && m.width === 160 && (m.ready ?? 0) >= 1,
        'the video shown to the recipient',
      );
      expect(await messageItems(bob.page, 'other').last().locator('video').getAttribute('controls')).not.toBeNull();
      await expectCount(messageItems(bob.page, 'other').last().locator('.attachment'), 1);
    },
    STEP,
  );

  it('shows other files as files only, and never puts a token in a URL', async () => {
    const [alice, bob] = web;
    await alice.page.setInputFiles('#file-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('plain text') });
    await alice.page.waitForSelector('#uploads progress[value="100"]');
    await alice.page.press('#message-input', 'Enter');
    const last = messageItems(bob.page, 'other').last();
    await expectAttribute(last.locator('.attachment'), 'aria-label', 'Download notes.txt, 10 B');
    await expectCount(last.locator('.media'), 0);
    const tokens = await Promise.all(web.map(async (u) => accessToken(u.page)));
    expect(urls.filter((u) => /token=|bearer/i.test(u) || tokens.some((t) => u.includes(t)))).toEqual([]);
    expect(urls.filter((u) => u.includes('/api/attachments/')).length).toBeGreaterThan(0);
  });
});

async function accessToken(page: Page): Promise<string> {
  const stored = await page.evaluate<string | null>('localStorage.getItem("chat.session")');
  return (JSON.parse(stored ?? '{}') as { accessToken: string }).accessToken;
}
