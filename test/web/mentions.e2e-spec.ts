import { chatItem, expectAttribute, expectCount, expectText, messageItems, screenshot, useBrowser, useWebUsers } from '../support/browser';
import { uniqueName } from '../support/api';
import { useService } from '../support/service';

/** Mentions in the web client (issue 15): "@" autocomplete from the members, highlighting, the count in the list. */

const STEP = 120_000;

describe('web client: mentions', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);
  let chatId = '';

  beforeAll(async () => {
    const [alice, bob] = web;
    const carol = await svc.api.newUser(uniqueName('carol'));
    chatId = (await svc.api.newGroup(alice.user, [bob.user, carol], 'Mention club')).id;
    await alice.page.click(`.chat-item[data-chat-id="${chatId}"]`);
    await expectText(alice.page.locator('#chat-subtitle'), '3 members');
  }, STEP);

  it(
    'offers the members matching what follows “@”, by keyboard and by mouse, and leaves e-mail addresses alone',
    async () => {
      const [alice, bob] = web;
      const a = alice.page;
      const list = a.locator('#mention-list');
      await a.click('#message-input');
      await a.keyboard.type('mail a@b');
      await expectAttribute(a.locator('#message-input'), 'aria-expanded', 'false');
      await a.fill('#message-input', '');

      // "@" alone: every other member; then narrowed by the name typed.
      await a.keyboard.type('Hi @');
      await expectCount(list.locator('[role="option"]'), 2);
      await a.keyboard.type(bob.user.username.slice(0, 3));
      await expectCount(list.locator('[role="option"]'), 1);
      await expectAttribute(list.locator('[role="option"]'), 'data-username', bob.user.username);
      await expectAttribute(a.locator('#message-input'), 'aria-activedescendant', 'mention-option-0');
      await screenshot(a, 'mention-autocomplete');
      await a.keyboard.press('Enter'); // takes the name, does not send
      expect(await a.inputValue('#message-input')).toBe(`Hi @${bob.user.username} `);
      await expectAttribute(a.locator('#message-input'), 'aria-expanded', 'false');
      // Escape closes the list and keeps the text.
      await a.keyboard.type('and @');
      await expectCount(list.locator('[role="option"]'), 2);
      await a.keyboard.press('Escape');
      await expectAttribute(list, 'hidden', '');
      await a.keyboard.press('Backspace');
      // By mouse.
      await a.keyboard.type('@');
      await list.locator(`[data-username="${bob.user.username}"]`).click();
      expect(await a.inputValue('#message-input')).toBe(`Hi @${bob.user.username} and @${bob.user.username} `);
    },
    STEP,
  );

  it(
    'shows the mention count in the list of the user mentioned, and highlights the mention when it is read',
    async () => {
      const [alice, bob] = web;
      const a = alice.page;
      const b = bob.page;
      await a.fill('#message-input', `@${bob.user.username} can you bring the map? cc @nobody`);
      await a.press('#message-input', 'Enter');
      const item = chatItem(b, chatId);
      await expectText(item.locator('.mention-badge'), '@ 1 unread mention');
      await expectText(item.locator('.badge'), '2 unread'); // the message, and the group's creation
      await screenshot(b, 'mention-badge');

      await item.click();
      const received = messageItems(b, 'other').last();
      await expectText(received.locator('.mention.me'), `@${bob.user.username}`);
      await expectAttribute(received, 'class', 'msg other mentions-me');
      // A name that is no member stays text.
      await expectCount(received.locator('.mention'), 1);
      await expectCount(item.locator('.mention-badge'), 0);
      // Alice sees the mention of Bob, not highlighted as hers.
      await expectCount(messageItems(a, 'own').last().locator('.mention'), 1);
      await expectCount(messageItems(a, 'own').last().locator('.mention.me'), 0);
      await screenshot(b, 'mention-highlight');
    },
    STEP,
  );
});
