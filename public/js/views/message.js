// One message of the open conversation: the quote it replies to, its text with mentions, images and
// videos inline, files, reactions, ticks, and the buttons that act on it.
import { download } from '../api.js';
import { formatSize, h, icon } from '../dom.js';
import { fillWhenVisible, mediaKind } from '../media.js';
import { deliver, discard } from '../messages.js';
import { mentionsMe, textWithMentions } from '../mentions.js';
import { toggleReaction } from '../reactions.js';
import { notice, state } from '../state.js';
import { statusOf } from '../ticks.js';
import { userName } from '../users.js';
import { TICKS } from './chat-list.js';
import { openEditHistory, openMedia, openMessageActions, openReactionPicker } from './message-dialogs.js';
import { startReply } from './composer.js';
import { showMessage } from './jump.js';

function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function messageKey(m) {
  return m.clientId ? `c:${m.clientId}` : `s:${m.seq}`;
}

export function messageSignature(m) {
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
    m.replyTo,
    m.replyTo && userName(m.replyTo.senderId),
    m.reactions,
    m.mentions?.map(userName),
  ]);
}

function quote(m) {
  const q = m.replyTo;
  const who = userName(q.senderId);
  const text = q.deleted ? 'Deleted message' : (q.text ?? 'Attachment');
  return h(
    'button',
    {
      type: 'button',
      class: `quote${q.deleted ? ' deleted' : ''}`,
      dataset: { replyTo: q.seq },
      'aria-label': `In reply to ${who}: ${text}. Show the original`,
      onclick: () => showMessage(m.chatId, q.seq),
    },
    h('span', { class: 'quote-sender' }, who),
    h('span', { class: 'quote-text' }, text),
  );
}

function text(m) {
  if (m.deleted) return h('p', { class: 'text muted' }, 'This message was deleted');
  if (!m.text) return null;
  return h(
    'p',
    { class: 'text' },
    textWithMentions(m).map((piece) =>
      typeof piece === 'string'
        ? piece
        : h('span', { class: `mention${piece.userId === state.me.id ? ' me' : ''}`, dataset: { userId: piece.userId } }, piece.mention),
    ),
  );
}

function fileButton(a) {
  return h(
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
  );
}

function preview(a) {
  const kind = mediaKind(a);
  if (kind === 'video') {
    const video = h('video', { controls: true, preload: 'metadata', 'aria-label': a.filename, dataset: { attachmentId: a.id } });
    fillWhenVisible(video, a);
    return h('div', { class: 'media video' }, video);
  }
  const img = h('img', { alt: a.filename, dataset: { attachmentId: a.id } });
  fillWhenVisible(img, a);
  return h(
    'button',
    { type: 'button', class: 'media image', 'aria-label': `Open image ${a.filename}`, onclick: () => openMedia(a, img) },
    img,
  );
}

function attachments(m) {
  if (!m.attachments.length) return null;
  return h(
    'ul',
    { class: 'attachments' },
    m.attachments.map((a) => h('li', {}, mediaKind(a) && preview(a), fileButton(a))),
  );
}

function reactions(m) {
  if (!m.reactions?.length || m.deleted) return null;
  return h(
    'ul',
    { class: 'reactions', 'aria-label': 'Reactions' },
    m.reactions.map((r) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `reaction${r.me ? ' mine' : ''}`,
            dataset: { emoji: r.emoji },
            'aria-pressed': String(r.me),
            'aria-label': `${r.emoji} ${r.count}${r.me ? ', including you' : ''}`,
            title: r.me ? 'Take your reaction back' : 'React with this too',
            onclick: () => toggleReaction(m, r.emoji),
          },
          h('span', { class: 'reaction-emoji', 'aria-hidden': 'true' }, r.emoji),
          h('span', { class: 'reaction-count', 'aria-hidden': 'true' }, String(r.count)),
        ),
      ),
    ),
  );
}

function meta(m) {
  const status = statusOf(m);
  return h(
    'p',
    { class: 'meta' },
    m.editedAt &&
      !m.deleted &&
      h(
        'button',
        {
          type: 'button',
          class: 'link edited',
          title: 'Show earlier versions',
          'aria-label': 'edited, show earlier versions',
          onclick: () => openEditHistory(m),
        },
        'edited',
      ),
    m.editedAt && !m.deleted && ' · ',
    h('time', { datetime: m.createdAt, title: new Date(m.createdAt).toLocaleString() }, clock(m.createdAt)),
    status && h('span', { class: `ticks ${status}`, dataset: { status }, role: 'img', 'aria-label': status, title: status }, TICKS[status]),
  );
}

function tools(m) {
  if (m.local || m.deleted) return null;
  const button = (name, symbol, label, onclick) =>
    h('button', { type: 'button', class: `icon msg-${name}`, 'aria-label': label, title: label, onclick }, icon(symbol));
  return h(
    'div',
    { class: 'msg-tools' },
    button('reply', 'reply', 'Reply', () => startReply(m)),
    button('react', 'smile', 'Add reaction', () => openReactionPicker(m)),
    button('actions', 'more', 'Message actions', () => openMessageActions(m)),
  );
}

export function renderMessage(m) {
  if (m.type === 'system') {
    return h('li', { class: 'msg system', dataset: { seq: m.seq } }, h('p', {}, m.text ?? ''));
  }
  const own = m.senderId === state.me.id;
  const chat = state.chats.get(m.chatId);
  const classes = ['msg', own ? 'own' : 'other', m.deleted && 'deleted', !own && mentionsMe(m) && 'mentions-me'];
  return h(
    'li',
    { class: classes.filter(Boolean).join(' '), dataset: { seq: m.seq ?? '' }, tabindex: '-1' },
    h(
      'div',
      { class: 'bubble' },
      !own && chat?.type === 'group'
        ? h('p', { class: 'sender' }, userName(m.senderId))
        : h('span', { class: 'visually-hidden' }, `${userName(m.senderId)}: `),
      m.forwardedFrom && h('p', { class: 'forwarded' }, icon('forward'), ` Forwarded from ${userName(m.forwardedFrom.senderId)}`),
      m.replyTo && !m.deleted && quote(m),
      text(m),
      attachments(m),
      reactions(m),
      meta(m),
      m.local === 'failed' &&
        h(
          'p',
          { class: 'failed' },
          `Not sent: ${m.error ?? 'error'} `,
          m.retryable && h('button', { type: 'button', class: 'link', onclick: () => deliver(m) }, 'Retry'),
          h('button', { type: 'button', class: 'link', onclick: () => discard(m) }, 'Discard'),
        ),
    ),
    tools(m),
  );
}
