import type { Locator, Page } from 'playwright-core';
import {
  expectAttribute,
  expectCount,
  expectText,
  messageItems,
  messageTool,
  screenshot,
  useBrowser,
  useWebUsers,
} from '../support/browser';
import { ok } from '../support/api';
import { useService } from '../support/service';

/** Reactions in the web client (issue 15): the picker, counts under the message, the user's own highlighted, live. */

const STEP = 120_000;

/** The reaction chip of `emoji` under `message`. */
function chip(message: Locator, emoji: string): Locator {
  return message.locator(`.reaction[data-emoji="${emoji}"]`);
}

/** What a chip shows: its count, and whether it is the user's own (pressed). */
async function expectChip(message: Locator, emoji: string, count: number, mine: boolean) {
  await expectText(chip(message, emoji).locator('.reaction-count'), String(count));
  await expectAttribute(chip(message, emoji), 'aria-pressed', String(mine));
}

async function openPicker(page: Page, message: Locator) {
  await messageTool(message, 'react');
  await page.waitForSelector('#reaction-dialog[open]');
}

describe('web client: reactions', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);

  it(
    'reacts from the picker; the other user sees the count live; each sees their own highlighted; toggling takes it back',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newDirect(alice.user, bob.user)).id;
      ok(await svc.api.send(bob.user, chatId, { text: 'Pizza tonight?' }), 201);
      for (const u of web) await u.page.click(`.chat-item[data-chat-id="${chatId}"]`);
      const a = alice.page;
      const atAlice = messageItems(a, 'other').last();
      const atBob = messageItems(bob.page, 'own').last();
      await expectText(atBob.locator('.text'), 'Pizza tonight?');

      // A frequent emoji from the picker.
      await openPicker(a, atAlice);
      await a.click('#reaction-frequent button[aria-label="React with 👍"]');
      await expectChip(atAlice, '👍', 1, true);
      await expectChip(atBob, '👍', 1, false);

      // Bob adds his to the same emoji from the chip.
      await chip(atBob, '👍').click();
      await expectChip(atBob, '👍', 2, true);
      await expectChip(atAlice, '👍', 2, true);

      // Any emoji, typed: a ZWJ sequence counts as one.
      await openPicker(a, atAlice);
      await a.fill('#reaction-input', '🧑‍🚀');
      await a.press('#reaction-input', 'Enter');
      await expectChip(atAlice, '🧑‍🚀', 1, true);
      await expectChip(atBob, '🧑‍🚀', 1, false);
      // Something that is not one emoji is refused in the picker.
      await openPicker(a, atAlice);
      await a.fill('#reaction-input', 'ok');
      await a.press('#reaction-input', 'Enter');
      await expectText(a.locator('#reaction-error'), 'That is not one emoji.');
      await a.keyboard.press('Escape');
      await screenshot(bob.page, 'reactions');

      // Alice takes hers back from the chip.
      await chip(atAlice, '👍').click();
      await expectChip(atAlice, '👍', 1, false);
      await expectChip(atBob, '👍', 1, true);

      // After a reload, what the server holds: order of first use, and `me`.
      await a.reload();
      await a.waitForSelector('#conn-status[data-state="online"]');
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      await expectChip(atAlice, '👍', 1, false);
      await expectChip(atAlice, '🧑‍🚀', 1, true);
      expect(
        await atAlice.locator('.reaction').evaluateAll((els: { dataset: { emoji?: string } }[]) => els.map((e) => e.dataset.emoji)),
      ).toEqual(['👍', '🧑‍🚀']);

      // The last one off: the chip goes.
      await chip(atBob, '👍').click();
      await expectCount(chip(atAlice, '👍'), 0);
      await expectCount(chip(atBob, '👍'), 0);
    },
    STEP,
  );

  it(
    'offers the emoji the user picks most first',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newGroup(bob.user, [alice.user], 'Emoji club')).id;
      for (const text of ['one', 'two']) ok(await svc.api.send(bob.user, chatId, { text }), 201);
      const a = alice.page;
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      for (const message of [messageItems(a, 'other').first(), messageItems(a, 'other').last()]) {
        await openPicker(a, message);
        await a.fill('#reaction-input', '🔥');
        await a.press('#reaction-input', 'Enter');
        await expectChip(message, '🔥', 1, true);
      }
      // 🔥 twice, 👍 and 🧑‍🚀 once each (the test before).
      await openPicker(a, messageItems(a, 'other').first());
      await expectText(a.locator('#reaction-frequent button').first(), '🔥');
      await expectAttribute(a.locator('#reaction-frequent button').first(), 'aria-pressed', 'true');
      await a.keyboard.press('Escape');
    },
    STEP,
  );
});
