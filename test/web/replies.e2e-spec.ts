import {
  expectCount,
  expectText,
  eventually,
  messageBySeq,
  messageItems,
  messageTool,
  screenshot,
  useBrowser,
  useWebUsers,
} from '../support/browser';
import { ok } from '../support/api';
import { useService } from '../support/service';

/** Replies in the web client (issue 15): the quote above the reply, and the way back to the original. */

const STEP = 120_000;

describe('web client: replies', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);

  it(
    'replies from the message’s tools: the quote shows above the reply for both users and follows edits and deletion of the original',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newDirect(alice.user, bob.user)).id;
      const original = ok(await svc.api.send(bob.user, chatId, { text: 'Lunch at noon?' }), 201);
      for (const u of web) await u.page.click(`.chat-item[data-chat-id="${chatId}"]`);

      const a = alice.page;
      await messageTool(messageBySeq(a, original.seq), 'reply');
      await expectText(a.locator('#composer-context-title'), `Replying to ${bob.user.username}`);
      await expectText(a.locator('#composer-context-text'), 'Lunch at noon?');
      await a.keyboard.type('Yes, see you there');
      await a.keyboard.press('Enter');
      await expectCount(a.locator('#composer-context:not([hidden])'), 0);

      const mine = messageItems(a, 'own').last();
      await expectText(mine.locator('.text'), 'Yes, see you there');
      await expectText(mine.locator('.quote-sender'), bob.user.username);
      await expectText(mine.locator('.quote-text'), 'Lunch at noon?');
      const theirs = messageItems(bob.page, 'other').last();
      await expectText(theirs.locator('.quote-sender'), 'You');
      await expectText(theirs.locator('.quote-text'), 'Lunch at noon?');
      // The server stored the reply to that message.
      const stored = ok(await svc.api.history(bob.user, chatId), 200).items.at(-1) as unknown as { replyTo: unknown };
      expect(stored.replyTo).toMatchObject({ seq: original.seq, senderId: bob.user.id, text: 'Lunch at noon?', deleted: false });
      await screenshot(a, 'reply');

      // The quote shows the original as it is now.
      ok(await svc.api.edit(bob.user, chatId, original.seq, { text: 'Lunch at one?' }), 200);
      await expectText(mine.locator('.quote-text'), 'Lunch at one?');
      ok(await svc.api.deleteMessage(bob.user, chatId, original.seq, 'everyone'), 204);
      await expectText(mine.locator('.quote-text'), 'Deleted message');
      // Escape leaves reply mode without sending.
      await messageTool(messageItems(bob.page, 'other').last(), 'reply');
      await bob.page.keyboard.press('Escape');
      await expectCount(bob.page.locator('#composer-context:not([hidden])'), 0);
    },
    STEP,
  );

  it(
    'clicking a quote whose original is far back loads older pages until it is there, scrolls to it and highlights it',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newGroup(bob.user, [alice.user], 'Long thread')).id;
      for (let i = 1; i <= 40; i++) ok(await svc.api.send(bob.user, chatId, { text: `old ${String(i).padStart(2, '0')}` }), 201);
      const target = ok(await svc.api.history(bob.user, chatId), 200).items.find((m) => m.text === 'old 40')!.seq - 38; // "old 02"
      ok(await svc.api.send(bob.user, chatId, { text: 'about that one', replyToSeq: target }), 201);

      const a = alice.page;
      const pages: string[] = [];
      a.on('request', (r) => r.url().includes(`/api/chats/${chatId}/messages?before=`) && pages.push(r.url()));
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      const reply = messageItems(a, 'other').last();
      await expectText(reply.locator('.text'), 'about that one');
      await expectText(reply.locator('.quote-text'), 'old 02');
      await expectCount(messageBySeq(a, target), 0);

      await reply.locator('.quote').click();
      const original = messageBySeq(a, target);
      await expectText(original.locator('.text'), 'old 02');
      await eventually(
        () =>
          original.evaluate((el: PageElement) => {
            const box = el.getBoundingClientRect();
            const view = el.closest('#messages-scroll').getBoundingClientRect();
            return {
              visible: box.top >= view.top && box.bottom <= view.bottom,
              highlighted: el.classList.contains('highlight'),
              focused: el.ownerDocument.activeElement === el,
            };
          }),
        (s) => s.visible && s.highlighted && s.focused,
        'the original in view, highlighted and focused',
        5000,
      );
      expect(pages.length).toBeGreaterThanOrEqual(2);
      await screenshot(a, 'reply-jump');
    },
    STEP,
  );
});

/** The DOM members the page function above uses (the tests compile without the DOM library). */
interface PageElement {
  getBoundingClientRect(): { top: number; bottom: number };
  closest(selector: string): PageElement;
  classList: { contains(name: string): boolean };
  ownerDocument: { activeElement: unknown };
}
