// The open conversation: header, history (older pages on scrolling up), notices; the composer and
// each message have modules of their own.
import { $, announce, icon, reconcile } from '../dom.js';
import { chatTitle, markRead, setPinned } from '../chats.js';
import { loadNewer, loadOlder, messagesOf, openChat } from '../history.js';
import { mentionsMe } from '../mentions.js';
import { isMuted, mutedText, unmute } from '../mute.js';
import { conversation, state, subscribe } from '../state.js';
import { typingIn } from '../typing.js';
import { userName } from '../users.js';
import { preview } from './chat-list.js';
import { initComposer } from './composer.js';
import { confirmDeleteChat, openMute } from './dialogs.js';
import { messageKey, messageSignature, renderMessage } from './message.js';

let renderedChatId = null;
let stickToBottom = false;
let wasAtBottom = true; // as of the last scroll or render: images that load later keep it so

// --- messages -------------------------------------------------------------------------------

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
  const bottom = atBottom(scroller);
  const firstKey = list.firstElementChild?.dataset.key;
  const oldHeight = scroller.scrollHeight;
  const oldTop = scroller.scrollTop;

  reconcile(list, messagesOf(chatId), { key: messageKey, signature: messageSignature, render: renderMessage });

  if (c.keepScroll) {
    c.keepScroll = false;
  } else if (switched || stickToBottom || (bottom && !c.hasNewer)) {
    scroller.scrollTop = scroller.scrollHeight;
  } else if (firstKey && list.firstElementChild?.dataset.key !== firstKey) {
    // Older messages went in above: keep what the reader was looking at in place.
    scroller.scrollTop = oldTop + (scroller.scrollHeight - oldHeight);
  }
  renderedChatId = chatId;
  stickToBottom = false;
  wasAtBottom = atBottom(scroller);

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
  renderMuted(chat);
}

function renderMuted(chat) {
  const muted = isMuted(chat);
  const mark = $('#chat-muted-mark');
  mark.hidden = !muted;
  if (muted && !mark.firstChild) mark.append(icon('bell-off'));
  mark.title = muted ? mutedText(chat) : '';
  mark.setAttribute('role', 'img');
  mark.setAttribute('aria-label', mark.title);
  const button = $('#mute-btn');
  button.setAttribute('aria-pressed', String(muted));
  button.setAttribute('aria-label', muted ? 'Unmute chat' : 'Mute chat');
  button.title = muted ? `${mutedText(chat)}. Unmute` : 'Mute chat';
  button.replaceChildren(icon(muted ? 'bell-off' : 'bell'));
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
  initComposer();
  const scroller = $('#messages-scroll');
  scroller.addEventListener('scroll', () => {
    wasAtBottom = atBottom(scroller);
    if (state.openChatId && scroller.scrollTop < 80) loadOlder(state.openChatId);
    if (state.openChatId && atBottom(scroller)) loadNewer(state.openChatId);
    readIfSeen();
  });
  // An image or video that gets its size after the render: the newest messages stay in view.
  const keepBottom = () => wasAtBottom && (scroller.scrollTop = scroller.scrollHeight);
  $('#messages').addEventListener('load', keepBottom, true);
  $('#messages').addEventListener('loadedmetadata', keepBottom, true);
  document.addEventListener('visibilitychange', readIfSeen);
  window.addEventListener('focus', readIfSeen);

  $('#back-btn').addEventListener('click', () => openChat(null));
  $('#pin-btn').addEventListener('click', () => {
    const chat = state.chats.get(state.openChatId);
    if (chat) setPinned(chat.id, !chat.pinned);
  });
  $('#mute-btn').addEventListener('click', () => {
    const chat = state.chats.get(state.openChatId);
    if (chat && isMuted(chat)) unmute(chat.id);
    else if (chat) openMute(chat);
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
      // A muted chat says nothing, unless the message mentions me.
      if (!isMuted(chat) || mentionsMe(m)) {
        announce(`${userName(m.senderId)}${chat?.type === 'group' ? ` in ${chatTitle(chat)}` : ''}: ${preview(m)}`);
      }
    }
  });
}
