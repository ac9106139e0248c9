import { chatItem, expectAttribute, expectCount, openAs, screenshot, useBrowser, useWebUsers, WebUser } from '../support/browser';
import { ok } from '../support/api';
import { useService } from '../support/service';

/** Muting in the web client (issue 15): for 1 hour, 8 hours, a week or until unmuted; the muted marks; every device. */

const STEP = 120_000;
const HOUR = 3600_000;

describe('web client: mute', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);
  let otherDevice: WebUser;
  let chatId = '';
  let elsewhereId = '';

  beforeAll(async () => {
    const [alice, bob] = web;
    chatId = (await svc.api.newGroup(bob.user, [alice.user], 'Noisy group')).id;
    elsewhereId = (await svc.api.newGroup(bob.user, [alice.user], 'Another group')).id;
    otherDevice = await openAs(browser(), svc.url, alice.user); // Alice on a second device
    await alice.page.click(`.chat-item[data-chat-id="${chatId}"]`);
  }, STEP);

  afterAll(() => {
    expect(otherDevice?.problems).toEqual([]);
  });

  const mutedMarks = (u: WebUser) => chatItem(u.page, chatId).locator('.muted-mark');

  it(
    'mutes for 1 hour: the icon in the list and the header, on the other device too, and after a reload',
    async () => {
      const [alice, bob] = web;
      const a = alice.page;
      await expectAttribute(a.locator('#mute-btn'), 'aria-label', 'Mute chat');
      await a.click('#mute-btn');
      await a.waitForSelector('#mute-dialog[open]');
      const before = Date.now();
      await a.click('#mute-choices button:text-is("For 1 hour")');
      await expectAttribute(a.locator('#mute-btn'), 'aria-pressed', 'true');
      await expectAttribute(a.locator('#mute-btn'), 'aria-label', 'Unmute chat');
      await a.locator('#chat-muted-mark').waitFor({ state: 'visible' });
      await expectCount(mutedMarks(alice), 1);
      // The server holds it, about an hour from now.
      const summary = ok(await svc.api.chat(alice.user, chatId), 200) as unknown as { muted: boolean; mutedUntil: string };
      expect(summary.muted).toBe(true);
      const until = Date.parse(summary.mutedUntil);
      expect(until).toBeGreaterThanOrEqual(before + HOUR - 5000);
      expect(until).toBeLessThanOrEqual(Date.now() + HOUR + 5000);
      await screenshot(a, 'muted');

      // The other device hears of it (chat:updated); the other member is not muted.
      await expectCount(mutedMarks(otherDevice), 1);
      await expectCount(mutedMarks(bob), 0);

      // A reload shows it from the chat list the server sends.
      await a.reload();
      await a.waitForSelector('#conn-status[data-state="online"]');
      await expectCount(mutedMarks(alice), 1);
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      await expectAttribute(a.locator('#mute-btn'), 'aria-pressed', 'true');
      await a.locator('#chat-muted-mark').waitFor({ state: 'visible' });

      // Unmuting (the same button) takes the icons away, there too.
      await a.click('#mute-btn');
      await expectAttribute(a.locator('#mute-btn'), 'aria-pressed', 'false');
      await a.locator('#chat-muted-mark').waitFor({ state: 'hidden' });
      await expectCount(mutedMarks(alice), 0);
      await expectCount(mutedMarks(otherDevice), 0);
    },
    STEP,
  );

  it(
    'mutes until unmuted: no end time; unread messages still count, on a grey badge',
    async () => {
      const [alice, bob] = web;
      const a = alice.page;
      await a.click('#mute-btn');
      await a.click('#mute-choices button:text-is("Until I unmute it")');
      await expectAttribute(a.locator('#chat-muted-mark'), 'aria-label', 'Muted');
      const summary = ok(await svc.api.chat(alice.user, chatId), 200) as unknown as { muted: boolean; mutedUntil: string | null };
      expect(summary).toMatchObject({ muted: true, mutedUntil: null });
      // Alice looks at another chat, so that neither device reads the new message (an open chat reads it at once).
      await a.click(`.chat-item[data-chat-id="${elsewhereId}"]`);
      ok(await svc.api.send(bob.user, chatId, { text: 'still counted' }), 201);
      for (const page of [a, otherDevice.page]) await expectAttribute(chatItem(page, chatId).locator('.badge'), 'class', 'badge quiet');
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      await a.click('#mute-btn');
      await expectCount(mutedMarks(otherDevice), 0);
    },
    STEP,
  );
});
