// The chat list: pinned chats first, unread and mention badges, last message preview, online dots,
// typing, muted marks.
import { $, formatTime, h, icon, reconcile } from '../dom.js';
import { chatList, chatTitle, loadMoreChats } from '../chats.js';
import { openChat } from '../history.js';
import { isMuted, mutedText } from '../mute.js';
import { notice, state, subscribe } from '../state.js';
import { statusOf } from '../ticks.js';
import { typingIn } from '../typing.js';
import { userName } from '../users.js';

export const TICKS = { sending: '…', failed: '!', sent: '✓', delivered: '✓✓', read: '✓✓' };

export function preview(m) {
  if (!m) return 'No messages yet';
  if (m.deleted) return 'Message deleted';
  if (m.type === 'system') return m.text ?? '';
  const text = m.text ?? (m.attachments.length ? `File: ${m.attachments.map((a) => a.filename).join(', ')}` : '');
  return m.senderId === state.me?.id ? `You: ${text}` : text;
}

function renderItem(chat) {
  const title = chatTitle(chat);
  const typing = typingIn(chat.id);
  const online = chat.type === 'direct' && chat.peer?.online;
  const status = chat.lastMessage ? statusOf(chat.lastMessage) : null;
  const muted = isMuted(chat);
  const mentions = chat.mentionCount ?? 0;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: 'chat-item',
        dataset: { chatId: chat.id },
        'aria-current': chat.id === state.openChatId ? 'true' : null,
        onclick: () => openChat(chat.id),
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, title.slice(0, 1).toUpperCase(), online && h('span', { class: 'online-dot' })),
      h(
        'span',
        { class: 'chat-item-main' },
        h(
          'span',
          { class: 'chat-item-top' },
          h('span', { class: 'chat-item-title' }, title),
          online && h('span', { class: 'visually-hidden' }, ', online'),
          chat.pinned &&
            h('span', { class: 'pinned-mark', title: 'Pinned' }, icon('pin'), h('span', { class: 'visually-hidden' }, ', pinned')),
          muted &&
            h(
              'span',
              { class: 'muted-mark', title: mutedText(chat) },
              icon('bell-off'),
              h('span', { class: 'visually-hidden' }, ', muted'),
            ),
          h('time', { class: 'chat-item-time', datetime: chat.lastActivityAt }, formatTime(chat.lastActivityAt)),
        ),
        h(
          'span',
          { class: 'chat-item-bottom' },
          typing.length
            ? h('span', { class: 'chat-item-preview typing' }, chat.type === 'group' ? `${userName(typing[0])} is typing…` : 'typing…')
            : h(
                'span',
                { class: 'chat-item-preview' },
                status && h('span', { class: `ticks ${status}`, 'aria-hidden': 'true' }, TICKS[status], ' '),
                preview(chat.lastMessage),
              ),
          mentions > 0 &&
            h(
              'span',
              { class: 'mention-badge', title: `${mentions} unread mention${mentions === 1 ? '' : 's'}` },
              mentions > 1 ? `@${mentions}` : '@',
              h('span', { class: 'visually-hidden' }, ` ${mentions} unread mention${mentions === 1 ? '' : 's'}`),
            ),
          chat.unreadCount > 0 &&
            h(
              'span',
              { class: `badge${muted ? ' quiet' : ''}` },
              String(chat.unreadCount),
              h('span', { class: 'visually-hidden' }, ' unread'),
            ),
        ),
      ),
    ),
  );
}

function signature(chat) {
  const m = chat.lastMessage;
  return JSON.stringify([
    chatTitle(chat),
    chat.pinned,
    chat.unreadCount,
    chat.mentionCount,
    isMuted(chat) && mutedText(chat),
    chat.peer?.online,
    chat.lastActivityAt,
    chat.id === state.openChatId,
    m?.seq,
    m?.deleted,
    m?.text,
    m && statusOf(m),
    typingIn(chat.id),
    m && userName(m.senderId),
  ]);
}

function render() {
  const chats = chatList();
  reconcile($('#chat-list'), chats, { key: (c) => c.id, signature, render: renderItem });
  $('#chat-list-empty').hidden = chats.length > 0;
  $('#more-chats-btn').hidden = !state.chatsCursor;
}

export function initChatList() {
  $('#more-chats-btn').addEventListener('click', () => loadMoreChats().catch((err) => notice(err.message, 'error')));
  subscribe((topics) => {
    if (topics.has('list')) render();
    if (topics.has('conn')) {
      const text = { connecting: 'connecting…', online: 'online', offline: 'reconnecting…', unavailable: 'live updates unavailable' };
      $('#conn-status').textContent = text[state.connection];
      $('#conn-status').dataset.state = state.connection;
      $('#me-name').textContent = state.me ? `@${state.me.username}` : '';
    }
  });
}
