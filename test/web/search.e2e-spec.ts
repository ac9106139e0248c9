import { expectCount, expectText, eventually, messageBySeq, screenshot, useBrowser, useWebUsers } from '../support/browser';
import { ok } from '../support/api';
import { useService } from '../support/service';

/** Message search in the web client (issue 16): the box above the chat list, results, and opening one. */

const STEP = 120_000;

describe('web client: search', () => {
  const svc = useService();
  const browser = useBrowser();
  const web = useWebUsers(svc, browser, 2);

  it(
    'finds Russian and English messages with chat, sender and marked snippet; a result deep in history opens with its neighbours, highlighted; Escape returns to the chats',
    async () => {
      const [alice, bob] = web;
      const chatId = (await svc.api.newGroup(bob.user, [alice.user], 'Planning')).id;
      // 40 messages: the one found (the 5th) is far from the newest page (HISTORY_PAGE_SIZE 15).
      const seqs: number[] = [];
      for (let i = 1; i <= 40; i++) {
        const text = i === 5 ? 'Встреча завтра, <b>bring</b> the Coffee' : `filler ${String(i).padStart(2, '0')}`;
        seqs.push(ok(await svc.api.send(bob.user, chatId, { text }), 201).seq);
      }
      const target = seqs[4];
      const a = alice.page;
      await a.click(`.chat-item[data-chat-id="${chatId}"]`);
      await expectText(messageBySeq(a, seqs[39]).locator('.text'), 'filler 40');
      await expectCount(messageBySeq(a, target), 0);

      await a.fill('#search-input', 'ВСТРЕЧА');
      const result = a.locator(`.search-result[data-chat-id="${chatId}"][data-seq="${target}"]`);
      await expectText(result.locator('.search-chat'), 'Planning');
      await expectText(result.locator('.search-sender'), bob.user.username);
      await expectText(result.locator('.search-snippet'), 'Встреча завтра, <b>bring</b> the Coffee');
      await expectText(result.locator('.search-snippet mark'), 'Встреча');
      await expectCount(a.locator('#chat-list:visible'), 0);
      // The user's text stays text: no element made from it.
      await expectCount(result.locator('.search-snippet b'), 0);

      await a.fill('#search-input', 'the cof');
      await expectText(result.locator('.search-snippet mark').nth(1), 'Cof');
      await expectCount(a.locator('.search-result'), 1);
      await screenshot(a, 'search-results');

      await result.click();
      const found = messageBySeq(a, target);
      await expectText(found.locator('.text'), 'Встреча завтра, <b>bring</b> the Coffee');
      await expectText(messageBySeq(a, seqs[3]).locator('.text'), 'filler 04');
      await expectText(messageBySeq(a, seqs[5]).locator('.text'), 'filler 06');
      await eventually(
        () =>
          found.evaluate((el: PageElement) => {
            const box = el.getBoundingClientRect();
            const view = el.closest('#messages-scroll').getBoundingClientRect();
            return { visible: box.top >= view.top && box.bottom <= view.bottom, highlighted: el.classList.contains('highlight') };
          }),
        (s) => s.visible && s.highlighted,
        'the result in view and highlighted',
        5000,
      );
      await screenshot(a, 'search-opened');

      // Escape clears the box and the chat list is back.
      await a.click('#search-input');
      await a.keyboard.press('Escape');
      await expectCount(a.locator('#search-results:visible'), 0);
      await expectCount(a.locator(`#chat-list .chat-item[data-chat-id="${chatId}"]`), 1);
      expect(await a.inputValue('#search-input')).toBe('');

      // More results: the 39 fillers come 20 at a time, the next page through the cursor.
      const b = bob.page;
      await b.fill('#search-input', 'filler');
      await expectCount(b.locator('.search-result'), 20);
      await b.click('#more-results-btn');
      await expectCount(b.locator('.search-result'), 39);
      await expectCount(b.locator('#more-results-btn:visible'), 0);
    },
    STEP,
  );
});

/** The DOM members the page function above uses (the tests compile without the DOM library). */
interface PageElement {
  getBoundingClientRect(): { top: number; bottom: number };
  closest(selector: string): PageElement;
  classList: { contains(name: string): boolean };
}
