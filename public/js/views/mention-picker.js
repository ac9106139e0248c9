// "@" autocomplete in the composer: while a name is typed after "@", the chat's members that match
// are offered in a listbox (ARIA combobox pattern: the focus stays in the textarea, arrows move the
// choice, Enter or Tab takes it, Escape closes the list).
import { $, h } from '../dom.js';
import { mentionAt, mentionCandidates } from '../mentions.js';
import { state } from '../state.js';

let open = null; // { start, query, users, active } while the list is shown

function input() {
  return $('#message-input');
}

function render() {
  const list = $('#mention-list');
  const field = input();
  list.hidden = !open;
  field.setAttribute('aria-expanded', String(Boolean(open)));
  if (!open) {
    field.removeAttribute('aria-activedescendant');
    return list.replaceChildren();
  }
  list.replaceChildren(
    ...open.users.map((u, i) =>
      h(
        'li',
        {
          id: `mention-option-${i}`,
          role: 'option',
          class: 'mention-option',
          'aria-selected': String(i === open.active),
          dataset: { username: u.username },
          // mousedown, not click: the textarea keeps the focus
          onmousedown: (e) => {
            e.preventDefault();
            pick(i);
          },
        },
        h('span', { class: 'mention-name' }, u.displayName || u.username),
        h('span', { class: 'muted' }, ` @${u.username}`),
      ),
    ),
  );
  field.setAttribute('aria-activedescendant', `mention-option-${open.active}`);
}

/** After each edit or caret move in the composer: offers members for the name being typed. */
export function mentionTyped() {
  const field = input();
  const at = state.openChatId && field.selectionStart === field.selectionEnd ? mentionAt(field.value, field.selectionStart) : null;
  const users = at ? mentionCandidates(state.openChatId, at.query) : [];
  const same = open && at && open.start === at.start;
  open = users.length ? { ...at, users, active: same ? Math.min(open.active, users.length - 1) : 0 } : null;
  render();
}

export function closeMentions() {
  open = null;
  render();
}

function pick(i) {
  const u = open.users[i];
  const field = input();
  const end = open.start + 1 + open.query.length;
  const inserted = `@${u.username} `;
  field.setRangeText(inserted, open.start, end, 'end');
  closeMentions();
  field.dispatchEvent(new Event('input')); // the composer's own input handling (height, typing)
}

/** The composer's keydown, first: whether the list took the key. */
export function mentionKey(e) {
  if (!open) return false;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    const n = open.users.length;
    open.active = (open.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    render();
  } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
    pick(open.active);
  } else if (e.key === 'Escape') {
    closeMentions();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}
