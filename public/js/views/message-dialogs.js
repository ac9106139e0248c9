// Dialogs about one message: its actions (reply, react, edit, forward, delete), the reaction picker,
// the edit history, and an image at full size.
import { download } from '../api.js';
import { $, formatTime, h, reconcile } from '../dom.js';
import { chatList, chatTitle, myRole } from '../chats.js';
import { mediaUrl } from '../media.js';
import { deleteMessage, editHistory, forward } from '../messages.js';
import { asEmoji, frequentEmoji, toggleReaction } from '../reactions.js';
import { notice, state } from '../state.js';
import { startEdit, startReply } from './composer.js';
import { openDialog } from './dialogs.js';

let selected = null; // the message the dialogs are about

/** The message as held now (reactions and text move while a dialog is open). */
function current() {
  return state.conversations.get(selected.chatId)?.messages.get(selected.seq) ?? selected;
}

// --- actions and forwarding -----------------------------------------------------------------

export function openMessageActions(m) {
  selected = m;
  const own = m.senderId === state.me.id;
  const chat = state.chats.get(m.chatId);
  const admin = chat?.type === 'group' && ['owner', 'admin'].includes(myRole(m.chatId));
  $('#message-preview').textContent = m.text ?? m.attachments.map((a) => a.filename).join(', ');
  $('#delete-all-btn').hidden = !(own || admin) || m.type === 'system';
  $('#forward-msg-btn').hidden = m.type === 'system';
  $('#edit-msg-btn').hidden = !own || m.type !== 'text' || !m.text;
  openDialog('#message-dialog');
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
  openDialog('#forward-dialog');
}

// --- reactions ------------------------------------------------------------------------------

function react(emoji) {
  $('#reaction-dialog').close();
  toggleReaction(current(), emoji);
}

export function openReactionPicker(m) {
  selected = m;
  const mine = new Set((m.reactions ?? []).filter((r) => r.me).map((r) => r.emoji));
  $('#reaction-frequent').replaceChildren(
    ...frequentEmoji().map((emoji) =>
      h(
        'button',
        {
          type: 'button',
          class: 'emoji-choice',
          'aria-pressed': String(mine.has(emoji)),
          'aria-label': mine.has(emoji) ? `Take back ${emoji}` : `React with ${emoji}`,
          onclick: () => react(emoji),
        },
        emoji,
      ),
    ),
  );
  $('#reaction-input').value = '';
  openDialog('#reaction-dialog');
}

function submitReaction(e) {
  e.preventDefault();
  const emoji = asEmoji($('#reaction-input').value);
  if (!emoji) {
    $('#reaction-error').textContent = 'That is not one emoji.';
    return $('#reaction-input').focus();
  }
  react(emoji);
}

// --- edit history ---------------------------------------------------------------------------

function version(text, label, iso) {
  return h(
    'li',
    {},
    h('p', { class: 'text' }, text),
    h('p', { class: 'muted small' }, label, ' ', h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, formatTime(iso))),
  );
}

export async function openEditHistory(m) {
  selected = m;
  const list = $('#edits-list');
  const status = $('#edits-status');
  list.replaceChildren();
  status.textContent = 'Loading…';
  openDialog('#edits-dialog');
  try {
    const items = await editHistory(m.chatId, m.seq);
    const now = current();
    list.replaceChildren(
      ...items.map((v) => version(v.text, 'replaced', v.editedAt)),
      !now.deleted && version(now.text ?? '', 'now, since', now.editedAt ?? now.createdAt),
    );
    status.textContent = items.length ? `${items.length} earlier version${items.length === 1 ? '' : 's'}` : 'No earlier versions.';
  } catch (err) {
    status.textContent = err.message;
  }
}

// --- media ----------------------------------------------------------------------------------

let shownAttachment = null;

/** An image at full size (from the bytes already fetched for its preview). */
export async function openMedia(attachment, preview) {
  shownAttachment = attachment;
  const img = $('#media-full');
  img.alt = attachment.filename;
  img.removeAttribute('src');
  $('#media-heading').textContent = attachment.filename;
  openDialog('#media-dialog');
  const url = preview.getAttribute('src') || (await mediaUrl(attachment).catch(() => null));
  if (url && shownAttachment === attachment) img.src = url;
}

export function initMessageDialogs() {
  $('#reply-msg-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    startReply(current());
  });
  $('#react-msg-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    openReactionPicker(current());
  });
  $('#edit-msg-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    startEdit(current());
  });
  $('#forward-msg-btn').addEventListener('click', openForward);
  $('#delete-me-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    deleteMessage(selected.chatId, selected.seq, 'me');
  });
  $('#delete-all-btn').addEventListener('click', () => {
    $('#message-dialog').close();
    deleteMessage(selected.chatId, selected.seq, 'everyone');
  });
  $('#reaction-form').addEventListener('submit', submitReaction);
  $('#reaction-input').addEventListener('input', () => ($('#reaction-error').textContent = ''));
  $('#media-download').addEventListener('click', () => download(shownAttachment).catch((err) => notice(err.message, 'error')));
}
