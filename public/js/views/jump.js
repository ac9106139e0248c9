// Showing a message of the open chat that may not be on screen (the original a reply quotes):
// older pages are loaded until it is held, then it is scrolled to, highlighted and focused.
import { $ } from '../dom.js';
import { loadBackTo } from '../history.js';
import { notice, state } from '../state.js';

const HIGHLIGHT_MS = 2500;

export async function showMessage(chatId, seq) {
  const found = await loadBackTo(chatId, seq);
  if (state.openChatId !== chatId) return;
  if (!found) return notice('The original message is not available.');
  await new Promise((resolve) => setTimeout(resolve, 0)); // the pages loaded are rendered first
  const el = $(`#messages li[data-seq="${seq}"]`);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
  el.classList.add('highlight');
  setTimeout(() => el.classList.remove('highlight'), HIGHLIGHT_MS);
}
