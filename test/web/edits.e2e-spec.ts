import { expectCount, expectText, messageItems, messageTool, screenshot, useBrowser, useWebUsers } from '../support/browser';
import { useService } from '../support/service';

/** Editing in the web client (issue 15): edit my message, the "edited" mark, and the history it opens. */

const STEP = 120_000;

describe('web client: edits', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);

  it(
    'edits from the message actions and with Up; the other user sees it live with an “edited” mark that opens the history',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newDirect(alice.user, bob.user)).id;
      for (const u of web) await u.page.click(`.chat-item[data-chat-id="${chatId}"]`);
      const a = alice.page;
      await a.fill('#message-input', 'See you at 7');
      await a.press('#message-input', 'Enter');
      const mine = messageItems(a, 'own').last();
      const theirs = messageItems(bob.page, 'other').last();
      await expectText(theirs.locator('.text'), 'See you at 7');
      await expectCount(theirs.locator('.edited'), 0);

      // From the actions dialog: the composer turns into the editor, with the text.
      await messageTool(mine, 'actions');
      await a.click('#edit-msg-btn');
      await expectText(a.locator('#composer-context-title'), 'Editing your message');
      await expectText(a.locator('#send-btn'), 'Save');
      expect(await a.inputValue('#message-input')).toBe('See you at 7');
      await a.fill('#message-input', 'See you at 8');
      await a.press('#message-input', 'Enter');
      await expectText(mine.locator('.text'), 'See you at 8');
      await expectText(theirs.locator('.text'), 'See you at 8');
      await expectText(theirs.locator('.edited'), 'edited');
      expect(await a.inputValue('#message-input')).toBe('');

      // Up in the empty composer edits my last message; Escape gives up without a change.
      await a.press('#message-input', 'ArrowUp');
      expect(await a.inputValue('#message-input')).toBe('See you at 8');
      await a.press('#message-input', 'Escape');
      expect(await a.inputValue('#message-input')).toBe('');
      await expectText(mine.locator('.text'), 'See you at 8');
      await a.press('#message-input', 'ArrowUp');
      await a.fill('#message-input', 'See you at 8:30');
      await a.press('#message-input', 'Enter');
      await expectText(theirs.locator('.text'), 'See you at 8:30');

      // The history: the earlier versions, oldest first, then the text now.
      await theirs.locator('.edited').click();
      await bob.page.waitForSelector('#edits-dialog[open]');
      await expectText(bob.page.locator('#edits-status'), '2 earlier versions');
      expect(await bob.page.locator('#edits-list li .text').allTextContents()).toEqual(['See you at 7', 'See you at 8', 'See you at 8:30']);
      await screenshot(bob.page, 'edit-history');
      await bob.page.keyboard.press('Escape');
      await expectCount(bob.page.locator('#edits-dialog[open]'), 0);
    },
    STEP,
  );
});
