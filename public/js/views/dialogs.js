// Modal dialogs (<dialog>: focus stays inside, Escape closes): new chat, new group, message
// actions, forward, delete chat.
import { $, h, reconcile } from '../dom.js';
import { chatList, chatTitle, createGroup, deleteChat, myRole, startDirect } from '../chats.js';
import { openChat } from '../history.js';
import { deleteMessage, forward } from '../messages.js';
import { state } from '../state.js';
import { searchUsers } from '../users.js';

function open(id) {
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

// --- message actions and forwarding ---------------------------------------------------------

let selected = null; // the message the actions dialog is about

export function openMessageActions(m) {
  selected = m;
  const own = m.senderId === state.me.id;
  const chat = state.chats.get(m.chatId);
  const admin = chat?.type === 'group' && ['owner', 'admin'].includes(myRole(m.chatId));
  $('#message-preview').textContent = m.text ?? m.attachments.map((a) => a.filename).join(', ');
  $('#delete-all-btn').hidden = !(own || admin) || m.type === 'system';
  $('#forward-msg-btn').hidden = m.type === 'system';
  open('#message-dialog');
}

function openForward() {
  const m = selected;
  $('#message-dialog').close();
  reconcile($('#forward-list'), chatList(), {
    key: (c) => c.id,
    signature: (c) => chatTitle(c),
    render: (c) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'pick',
            onclick: async () => {
              $('#forward-dialog').close();
              await forward(m.chatId, m.seq, c.id);
            },
          },
          chatTitle(c),
        ),
      ),
  });
  open('#forward-dialog');
}

// --- delete chat ----------------------------------------------------------------------------

let chatToDelete = null;

export function confirmDeleteChat(chat) {
  chatToDelete = chat;
  $('#confirm-text').textContent = `“${chatTitle(chat)}” and its messages disappear from your list. The other members keep everything.`;
  open('#confirm-dialog');
}

export function openNewDirect() {
  $('#direct-search').value = '';
  renderResults([]);
  open('#direct-dialog');
}

export function initDialogs() {
  for (const button of document.querySelectorAll('.close-dialog')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
  $('#new-direct-btn').addEventListener('click', openNewDirect);
  $('#new-group-btn').addEventListener('click', () => open('#group-dialog'));
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
  $('#forward-msg-btn').addEventListener('click', openForward);
  $('#delete-me-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    deleteMessage(selected.chatId, selected.seq, 'me');
  });
  $('#delete-all-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    deleteMessage(selected.chatId, selected.seq, 'everyone');
  });
  $('#confirm-ok').addEventListener('click', () => {
    $('#confirm-dialog').close();
    if (chatToDelete) deleteChat(chatToDelete.id);
  });
}
