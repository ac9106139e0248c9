import { createHash } from 'node:crypto';

/** What a push carries (encrypted, RFC 8291): the service worker shows it or clears what it showed. */
export type PushPayload = MessagePush | ReadPush;

export interface MessagePush {
  type: 'message';
  chatId: string;
  seq: number;
  messageId: string;
  /** The group's title; null for a direct chat. */
  chatTitle: string | null;
  senderName: string;
  /** At most 200 code points; "📎 N attachments" for a message without text. */
  text: string;
  /** The message mentions the recipient. */
  mention: boolean;
}

/** The user read the chat up to `seq` on another device: close its notifications. */
export interface ReadPush {
  type: 'read';
  chatId: string;
  seq: number;
}

export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

/** How much of a message's text a push carries, in code points. */
export const PUSH_TEXT_MAX = 200;

/** The stored message a push is about, as the worker reads it. */
export interface NotifiedMessage {
  chatId: string;
  seq: number;
  messageId: string;
  chatType: 'direct' | 'group';
  chatTitle: string | null;
  senderName: string;
  text: string | null;
  attachmentCount: number;
  mention: boolean;
}

export function messagePayload(m: NotifiedMessage): MessagePush {
  return {
    type: 'message',
    chatId: m.chatId,
    seq: m.seq,
    messageId: m.messageId,
    chatTitle: m.chatType === 'group' ? m.chatTitle : null,
    senderName: m.senderName,
    text: m.text ? firstCodePoints(m.text, PUSH_TEXT_MAX) : attachmentsText(m.attachmentCount),
    mention: m.mention,
  };
}

function firstCodePoints(text: string, n: number): string {
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count === n) break;
    out += ch;
    count += 1;
  }
  return out;
}

function attachmentsText(n: number): string {
  return n === 1 ? '📎 1 attachment' : `📎 ${n} attachments`;
}

/** Urgency (RFC 8030 §5.3): a direct chat or a mention is worth waking a phone for. */
export function messageUrgency(chatType: 'direct' | 'group', mention: boolean): 'normal' | 'high' {
  return chatType === 'direct' || mention ? 'high' : 'normal';
}

/**
 * The Topic (RFC 8030 §5.4) of every push of one chat, "read" pushes included: a push service keeps
 * only the newest undelivered push per topic, so a phone that was off gets the chat's latest
 * message (or the "read" that supersedes it), not a backlog. A hash, so the push service does not
 * see chat ids: 32 base64url characters, the most a topic may have.
 */
export function chatTopic(chatId: string): string {
  return createHash('sha256').update(`chat:${chatId}`).digest('base64url').slice(0, 32);
}
