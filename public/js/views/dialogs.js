// Modal dialogs (<dialog>: focus stays inside, Escape closes) about chats: new chat, new group,
// mute, delete chat. The ones about a message are in message-dialogs.js.
import { $, h, reconcile } from '../dom.js';
import { chatTitle, createGroup, deleteChat, startDirect } from '../chats.js';
import { openChat } from '../history.js';
import { MUTE_CHOICES, mute } from '../mute.js';
import { searchUsers } from '../users.js';

export function openDialog(id) {
  const dialog = $(id);
  dialog.querySelectorAll('.error').forEach((e) => (e.textContent = ''));
  dialog.showModal();
  return dialog;
}

// --- new direct chat ------------------------------------------------------------------------

let searchTimer = null;
let searchSeq = 0;

function renderResults(users) {
  reconcile($('#direct-results'), users, {
    key: (u) => u.id,
    signature: (u) => JSON.stringify([u.displayName, u.username, u.online]),
    render: (u) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'pick',
            dataset: { username: u.username },
            onclick: () => pickUser(u),
          },
          h('span', {}, u.displayName || u.username),
          h('span', { class: 'muted' }, ` @${u.username}`),
          u.online && h('span', { class: 'online-text' }, ' · online'),
        ),
      ),
  });
}

async function search() {
  const q = $('#direct-search').value.trim().replace(/^@/, '');
  const seq = ++searchSeq;
  if (!q) return renderResults([]);
  try {
    const users = await searchUsers(q);
    if (seq !== searchSeq) return;
    renderResults(users);
    $('#direct-error').textContent = users.length ? '' : 'No user with that name.';
  } catch (err) {
    if (seq === searchSeq) $('#direct-error').textContent = err.message;
  }
}

async function pickUser(u) {
  try {
    await openChat(await startDirect(u.id));
    $('#direct-dialog').close();
  } catch (err) {
    $('#direct-error').textContent = err.message;
  }
}

// --- new group ------------------------------------------------------------------------------

async function submitGroup(e) {
  e.preventDefault();
  const title = $('#group-title').value.trim();
  const names = [
    ...new Set(
      $('#group-members')
        .value.split(/[\s,]+/)
        .map((n) => n.replace(/^@/, ''))
        .filter(Boolean),
    ),
  ];
  const error = $('#group-error');
  if (!title) return (error.textContent = 'The group needs a title.');
  try {
    const ids = [];
    for (const name of names) {
      const found = (await searchUsers(name)).find((u) => u.username.toLowerCase() === name.toLowerCase());
      if (!found) return (error.textContent = `No user @${name}.`);
      ids.push(found.id);
    }
    await openChat(await createGroup(title, ids));
    $('#group-dialog').close();
    $('#group-form').reset();
  } catch (err) {
    error.textContent = err.message;
  }
}

// --- mute -----------------------------------------------------------------------------------

let chatToMute = null;

export function openMute(chat) {
  chatToMute = chat;
  $('#mute-choices').replaceChildren(
    ...MUTE_CHOICES.map((choice) =>
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            $('#mute-dialog').close();
            mute(chatToMute.id, choice.ms);
          },
        },
        choice.label,
      ),
    ),
  );
  openDialog('#mute-dialog');
}

// --- delete chat ----------------------------------------------------------------------------

let chatToDelete = null;

export function confirmDeleteChat(chat) {
  chatToDelete = chat;
  $('#confirm-text').textContent = `“${chatTitle(chat)}” and its messages disappear from your list. The other members keep everything.`;
  openDialog('#confirm-dialog');
}

export function openNewDirect() {
  $('#direct-search').value = '';
  renderResults([]);
  openDialog('#direct-dialog');
}

export function initDialogs() {
  for (const button of document.querySelectorAll('.close-dialog')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
  $('#new-direct-btn').addEventListener('click', openNewDirect);
  $('#new-group-btn').addEventListener('click', () => openDialog('#group-dialog'));
  $('#direct-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 200);
  });
  $('#direct-form').addEventListener('submit', (e) => {
    // Enter: the exact username, or the only match.
    e.preventDefault();
    const q = $('#direct-search').value.trim().replace(/^@/, '').toLowerCase();
    const buttons = [...$('#direct-results').querySelectorAll('button')];
    const pick = buttons.find((b) => b.dataset.username.toLowerCase() === q) ?? (buttons.length === 1 ? buttons[0] : null);
    pick?.click();
  });
  $('#group-form').addEventListener('submit', submitGroup);
  $('#confirm-ok').addEventListener('click', () => {
    $('#confirm-dialog').close();
    if (chatToDelete) deleteChat(chatToDelete.id);
  });
}
