// The open conversation: header, history (older pages on scrolling up), composer with uploads.
import { download, upload } from '../api.js';
import { $, announce, formatSize, h, icon, reconcile } from '../dom.js';
import { chatTitle, markRead, setPinned } from '../chats.js';
import { loadOlder, messagesOf, openChat } from '../history.js';
import { deliver, discard, send } from '../messages.js';
import { conversation, notice, state, subscribe } from '../state.js';
import { statusOf } from '../ticks.js';
import { setTyping, typingIn } from '../typing.js';
import { userName } from '../users.js';
import { preview, TICKS } from './chat-list.js';
import { confirmDeleteChat, openMessageActions } from './dialogs.js';

const TYPING_RESEND_MS = 3000;
const TYPING_IDLE_MS = 4000;

let renderedChatId = null;
let stickToBottom = false;
let uploads = []; // { id, file, progress, attachment, error, promise, abort }

// --- messages -------------------------------------------------------------------------------

function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function messageKey(m) {
  return m.clientId ? `c:${m.clientId}` : `s:${m.seq}`;
}

function messageSignature(m) {
  return JSON.stringify([
    m.seq,
    m.text,
    m.deleted,
    m.editedAt,
    statusOf(m),
    m.local,
    m.error,
    m.attachments.map((a) => a.id),
    userName(m.senderId),
  ]);
}

function renderMessage(m) {
  if (m.type === 'system') {
    return h('li', { class: 'msg system', dataset: { seq: m.seq } }, h('p', {}, m.text ?? ''));
  }
  const own = m.senderId === state.me.id;
  const chat = state.chats.get(m.chatId);
  const status = statusOf(m);
  const sent = new Date(m.createdAt);
  return h(
    'li',
    { class: `msg ${own ? 'own' : 'other'}${m.deleted ? ' deleted' : ''}`, dataset: { seq: m.seq ?? '' } },
    h(
      'div',
      { class: 'bubble' },
      !own && chat?.type === 'group'
        ? h('p', { class: 'sender' }, userName(m.senderId))
        : h('span', { class: 'visually-hidden' }, `${userName(m.senderId)}: `),
      m.forwardedFrom && h('p', { class: 'forwarded' }, icon('forward'), ` Forwarded from ${userName(m.forwardedFrom.senderId)}`),
      m.deleted ? h('p', { class: 'text muted' }, 'This message was deleted') : m.text && h('p', { class: 'text' }, m.text),
      m.attachments.length > 0 &&
        h(
          'ul',
          { class: 'attachments' },
          m.attachments.map((a) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'attachment',
                  dataset: { attachmentId: a.id },
                  'aria-label': `Download ${a.filename}, ${formatSize(a.size)}`,
                  onclick: () => download(a).catch((err) => notice(err.message, 'error')),
                },
                icon('file'),
                h('span', { class: 'attachment-name' }, a.filename),
                h('span', { class: 'attachment-size' }, formatSize(a.size)),
              ),
            ),
          ),
        ),
      h(
        'p',
        { class: 'meta' },
        m.editedAt && 'edited · ',
        h('time', { datetime: m.createdAt, title: sent.toLocaleString() }, clock(m.createdAt)),
        status &&
          h('span', { class: `ticks ${status}`, dataset: { status }, role: 'img', 'aria-label': status, title: status }, TICKS[status]),
      ),
      m.local === 'failed' &&
        h(
          'p',
          { class: 'failed' },
          `Not sent: ${m.error ?? 'error'} `,
          m.retryable && h('button', { type: 'button', class: 'link', onclick: () => deliver(m) }, 'Retry'),
          h('button', { type: 'button', class: 'link', onclick: () => discard(m) }, 'Discard'),
        ),
    ),
    !m.local &&
      !m.deleted &&
      h(
        'button',
        {
          type: 'button',
          class: 'icon msg-actions',
          'aria-label': 'Message actions',
          title: 'Message actions',
          onclick: () => openMessageActions(m),
        },
        icon('more'),
      ),
  );
}

function atBottom(scroller) {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
}

function renderMessages() {
  const chatId = state.openChatId;
  const scroller = $('#messages-scroll');
  const list = $('#messages');
  if (!chatId) {
    list.replaceChildren();
    renderedChatId = null;
    return;
  }
  const c = conversation(chatId);
  const switched = renderedChatId !== chatId;
  if (switched) list.replaceChildren();
  const wasAtBottom = atBottom(scroller);
  const firstKey = list.firstElementChild?.dataset.key;
  const oldHeight = scroller.scrollHeight;
  const oldTop = scroller.scrollTop;

  reconcile(list, messagesOf(chatId), { key: messageKey, signature: messageSignature, render: renderMessage });

  if (switched || stickToBottom || wasAtBottom) {
    scroller.scrollTop = scroller.scrollHeight;
  } else if (firstKey && list.firstElementChild?.dataset.key !== firstKey) {
    // Older messages went in above: keep what the reader was looking at in place.
    scroller.scrollTop = oldTop + (scroller.scrollHeight - oldHeight);
  }
  renderedChatId = chatId;
  stickToBottom = false;

  $('#history-status').textContent = c.loadingOlder
    ? 'Loading older messages…'
    : c.loaded && !c.hasMore && c.messages.size > 0
      ? 'This is the beginning of the conversation.'
      : c.loaded && c.messages.size === 0 && c.pending.size === 0
        ? 'No messages yet. Say hello!'
        : '';
  // Too few messages to scroll: load older ones until the pane is full.
  if (c.loaded && c.hasMore && !c.loadingOlder && scroller.scrollHeight <= scroller.clientHeight) loadOlder(chatId);
  readIfSeen();
}

function readIfSeen() {
  const chatId = state.openChatId;
  if (chatId && document.visibilityState === 'visible' && atBottom($('#messages-scroll'))) markRead(chatId);
}

// --- header ---------------------------------------------------------------------------------

function renderHeader() {
  const chat = state.openChatId && state.chats.get(state.openChatId);
  document.body.classList.toggle('chat-open', Boolean(chat));
  $('#chat-view').hidden = !chat;
  $('#chat-placeholder').hidden = Boolean(chat);
  if (!chat) return;
  $('#chat-title').textContent = chatTitle(chat);
  const typing = typingIn(chat.id);
  let subtitle;
  if (typing.length) {
    subtitle = chat.type === 'direct' ? 'typing…' : `${typing.map(userName).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…`;
  } else if (chat.type === 'direct') {
    const peer = state.users.get(chat.peer?.id) ?? chat.peer;
    subtitle = peer?.online ? 'online' : peer?.lastSeenAt ? `last seen ${new Date(peer.lastSeenAt).toLocaleString()}` : 'offline';
  } else {
    subtitle = `${chat.memberCount} members`;
  }
  const sub = $('#chat-subtitle');
  sub.textContent = subtitle;
  sub.classList.toggle('typing', typing.length > 0);
  const pin = $('#pin-btn');
  pin.setAttribute('aria-pressed', String(chat.pinned));
  pin.setAttribute('aria-label', chat.pinned ? 'Unpin chat' : 'Pin chat');
  pin.title = chat.pinned ? 'Unpin chat' : 'Pin chat';
}

// --- composer -------------------------------------------------------------------------------

let typingSentAt = 0;
let typingChatId = null;
let idleTimer = null;

function typed() {
  const input = $('#message-input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  const chatId = state.openChatId;
  if (!chatId || !input.value.trim() || input.value.startsWith('/')) return stopTyping();
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

async function submit() {
  const chatId = state.openChatId;
  const input = $('#message-input');
  const text = input.value.trim();
  if (!chatId || (!text && uploads.length === 0)) return;
  const files = uploads;
  const sendBtn = $('#send-btn');
  if (files.length) {
    sendBtn.disabled = true;
    await Promise.all(files.map((u) => u.promise));
    sendBtn.disabled = false;
    if (files.some((u) => u.error)) return notice('Some files did not upload: remove them or try again.', 'error');
  }
  uploads = uploads.filter((u) => !files.includes(u));
  renderUploads();
  input.value = '';
  typed();
  stopTyping();
  stickToBottom = true;
  await send(
    chatId,
    text,
    files.map((u) => u.attachment),
  );
}

// --- notice ---------------------------------------------------------------------------------

let noticeTimer = null;

function renderNotice() {
  const el = $('#notice');
  const n = state.notice;
  clearTimeout(noticeTimer);
  el.hidden = !n;
  if (!n) return;
  el.textContent = n.text;
  el.className = `notice ${n.kind}`;
  noticeTimer = setTimeout(() => (el.hidden = true), Math.max(5000, n.text.length * 60));
}

// --- wiring ---------------------------------------------------------------------------------

export function initChatView() {
  const scroller = $('#messages-scroll');
  scroller.addEventListener('scroll', () => {
    if (state.openChatId && scroller.scrollTop < 80) loadOlder(state.openChatId);
    readIfSeen();
  });
  document.addEventListener('visibilitychange', readIfSeen);
  window.addEventListener('focus', readIfSeen);

  const input = $('#message-input');
  input.addEventListener('input', typed);
  input.addEventListener('blur', stopTyping);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  $('#attach-btn').addEventListener('click', () => $('#file-input').click());
  $('#file-input').addEventListener('change', (e) => {
    addFiles([...e.target.files]);
    e.target.value = '';
    input.focus();
  });
  $('#back-btn').addEventListener('click', () => openChat(null));
  $('#pin-btn').addEventListener('click', () => {
    const chat = state.chats.get(state.openChatId);
    if (chat) setPinned(chat.id, !chat.pinned);
  });
  $('#delete-chat-btn').addEventListener('click', () => {
    const chat = state.chats.get(state.openChatId);
    if (chat) confirmDeleteChat(chat);
  });
  $('#notice').addEventListener('click', () => ($('#notice').hidden = true));

  subscribe((topics) => {
    if (topics.has('sent')) stickToBottom = true;
    if (topics.has('header') || topics.has('chat')) renderHeader();
    if (topics.has('chat')) renderMessages();
    if (topics.has('notice')) renderNotice();
    if (topics.has('incoming') && state.incoming) {
      const m = state.incoming;
      const chat = state.chats.get(m.chatId);
      announce(`${userName(m.senderId)}${chat?.type === 'group' ? ` in ${chatTitle(chat)}` : ''}: ${preview(m)}`);
    }
  });
}

/** Focus the composer when a chat opens (keyboard users land where they type). */
export function focusComposer() {
  setTimeout(() => $('#message-input').focus({ preventScroll: true }), 0);
}
