// The composer: text with "@" autocomplete, uploads with progress, "typing…" going out, and its two
// modes besides a plain message: replying to a message, and editing one of mine.
import { upload } from '../api.js';
import { $, fillIcons, h, icon, reconcile } from '../dom.js';
import { messagesOf } from '../history.js';
import { editMessage, send } from '../messages.js';
import { notice, state, subscribe } from '../state.js';
import { setTyping } from '../typing.js';
import { userName } from '../users.js';
import { closeMentions, mentionKey, mentionTyped } from './mention-picker.js';

const TYPING_RESEND_MS = 3000;
const TYPING_IDLE_MS = 4000;

let uploads = []; // { id, file, progress, attachment, error, promise, abort }
let mode = null; // { kind: 'reply' | 'edit', message } for the open chat, or null
let draftBeforeEdit = '';

function input() {
  return $('#message-input');
}

// --- reply and edit -------------------------------------------------------------------------

function renderMode() {
  const bar = $('#composer-context');
  bar.hidden = !mode;
  $('#attach-btn').hidden = mode?.kind === 'edit';
  $('#send-btn').textContent = mode?.kind === 'edit' ? 'Save' : 'Send';
  if (!mode) return;
  const m = mode.message;
  const editing = mode.kind === 'edit';
  const iconEl = $('#composer-context-icon');
  iconEl.dataset.icon = editing ? 'edit' : 'reply';
  iconEl.replaceChildren();
  fillIcons(bar);
  $('#composer-context-title').textContent = editing ? 'Editing your message' : `Replying to ${userName(m.senderId)}`;
  $('#composer-context-text').textContent = m.text ?? m.attachments.map((a) => a.filename).join(', ');
  $('#composer-context-cancel').setAttribute('aria-label', editing ? 'Cancel editing' : 'Cancel reply');
}

function setMode(next) {
  if (mode?.kind === 'edit' && next?.kind !== 'edit') input().value = draftBeforeEdit;
  mode = next;
  renderMode();
  resize();
}

export function startReply(m) {
  if (mode?.kind === 'edit') setMode(null);
  setMode({ kind: 'reply', message: m });
  input().focus();
}

export function startEdit(m) {
  if (mode?.kind !== 'edit') draftBeforeEdit = input().value;
  setMode({ kind: 'edit', message: m });
  const field = input();
  field.value = m.text ?? '';
  resize();
  field.focus();
  field.setSelectionRange(field.value.length, field.value.length);
}

/** My newest message that can be edited: text, stored, not deleted. */
function lastEditable(chatId) {
  return messagesOf(chatId).findLast((m) => m.senderId === state.me.id && m.seq && !m.local && !m.deleted && m.type === 'text' && m.text);
}

// --- typing ---------------------------------------------------------------------------------

let typingSentAt = 0;
let typingChatId = null;
let idleTimer = null;

function resize() {
  const field = input();
  field.style.height = 'auto';
  field.style.height = `${Math.min(field.scrollHeight, 160)}px`;
}

function typed() {
  resize();
  mentionTyped();
  const field = input();
  const chatId = state.openChatId;
  if (!chatId || mode?.kind === 'edit' || !field.value.trim() || field.value.startsWith('/')) return stopTyping();
  if (Date.now() - typingSentAt > TYPING_RESEND_MS || typingChatId !== chatId) {
    setTyping(chatId, true);
    typingSentAt = Date.now();
    typingChatId = chatId;
  }
  clearTimeout(idleTimer);
  idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  clearTimeout(idleTimer);
  if (typingSentAt && typingChatId) setTyping(typingChatId, false);
  typingSentAt = 0;
  typingChatId = null;
}

// --- uploads --------------------------------------------------------------------------------

function renderUploads() {
  reconcile($('#uploads'), uploads, {
    key: (u) => u.id,
    signature: (u) => JSON.stringify([Math.round(u.progress * 100), Boolean(u.attachment), u.error]),
    render: (u) =>
      h(
        'li',
        { class: `upload${u.error ? ' error' : ''}` },
        icon('file'),
        h('span', { class: 'upload-name' }, u.file.name),
        u.error
          ? h('span', { class: 'error' }, u.error)
          : h('progress', { max: '100', value: String(Math.round(u.progress * 100)), 'aria-label': `Uploading ${u.file.name}` }),
        h('button', { type: 'button', class: 'icon', 'aria-label': `Remove ${u.file.name}`, onclick: () => removeUpload(u) }, '×'),
      ),
  });
}

function addFiles(files) {
  for (const file of files) {
    const u = { id: crypto.getRandomValues(new Uint32Array(2)).join('-'), file, progress: 0, attachment: null, error: null };
    const job = upload(file, (p) => {
      u.progress = p;
      renderUploads();
    });
    u.abort = job.abort;
    u.promise = job.promise.then(
      (attachment) => (u.attachment = attachment),
      (err) => {
        u.error = err.message;
        renderUploads();
      },
    );
    uploads.push(u);
  }
  renderUploads();
}

function removeUpload(u) {
  u.abort?.();
  uploads = uploads.filter((x) => x !== u);
  renderUploads();
}

// --- sending --------------------------------------------------------------------------------

async function saveEdit(text) {
  const m = mode.message;
  if (text === m.text) return setMode(null);
  if (!text && !m.attachments.length) return notice('A message needs some text. To remove it, delete it.', 'error');
  if (await editMessage(m.chatId, m.seq, text)) {
    draftBeforeEdit = '';
    setMode(null);
  }
}

async function submit() {
  const chatId = state.openChatId;
  const field = input();
  const text = field.value.trim();
  if (!chatId) return;
  closeMentions();
  if (mode?.kind === 'edit') return saveEdit(text);
  if (!text && uploads.length === 0) return;
  const files = uploads;
  const sendBtn = $('#send-btn');
  if (files.length) {
    sendBtn.disabled = true;
    await Promise.all(files.map((u) => u.promise));
    sendBtn.disabled = false;
    if (files.some((u) => u.error)) return notice('Some files did not upload: remove them or try again.', 'error');
  }
  const replyTo = mode?.kind === 'reply' ? mode.message : null;
  uploads = uploads.filter((u) => !files.includes(u));
  renderUploads();
  field.value = '';
  setMode(null);
  typed();
  stopTyping();
  await send(
    chatId,
    text,
    files.map((u) => u.attachment),
    replyTo,
  );
}

function keydown(e) {
  if (e.isComposing || mentionKey(e)) return;
  const field = input();
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    submit();
  } else if (e.key === 'Escape' && mode) {
    e.preventDefault();
    setMode(null);
  } else if (e.key === 'ArrowUp' && !field.value && !mode && state.openChatId) {
    const m = lastEditable(state.openChatId);
    if (m) {
      e.preventDefault();
      startEdit(m);
    }
  }
}

export function initComposer() {
  const field = input();
  field.addEventListener('input', typed);
  field.addEventListener('click', mentionTyped);
  field.addEventListener('blur', () => {
    stopTyping();
    closeMentions();
  });
  field.addEventListener('keydown', keydown);
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  $('#composer-context-cancel').addEventListener('click', () => {
    setMode(null);
    field.focus();
  });
  $('#attach-btn').addEventListener('click', () => $('#file-input').click());
  $('#file-input').addEventListener('change', (e) => {
    addFiles([...e.target.files]);
    e.target.value = '';
    field.focus();
  });
  // Another chat opened, or the message being answered or edited went away: back to a plain message.
  let chatId = null;
  subscribe((topics) => {
    if (!topics.has('chat')) return;
    const m = mode?.message;
    const current = m && state.conversations.get(m.chatId)?.messages.get(m.seq);
    if (chatId !== state.openChatId || (m && (!current || current.deleted))) {
      if (mode) setMode(null);
      closeMentions();
    } else if (current && current !== m) {
      mode.message = current;
      renderMode();
    }
    chatId = state.openChatId;
  });
}

/** Focus the composer when a chat opens (keyboard users land where they type). */
export function focusComposer() {
  setTimeout(() => input().focus({ preventScroll: true }), 0);
}
