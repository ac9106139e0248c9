import { chatTopic, messagePayload, messageUrgency, NotifiedMessage } from './push-payload';
import { parseRetryAfter, retryDelaySeconds } from './retry-policy';

const message = (over: Partial<NotifiedMessage> = {}): NotifiedMessage => ({
  chatId: 'c',
  seq: 3,
  messageId: 'm',
  chatType: 'group',
  chatTitle: 'Team',
  senderName: 'Alice',
  text: 'hello',
  attachmentCount: 0,
  mention: false,
  ...over,
});

describe('push payload', () => {
  it('carries the chat title of a group, none of a direct chat', () => {
    expect(messagePayload(message())).toEqual({
      type: 'message',
      chatId: 'c',
      seq: 3,
      messageId: 'm',
      chatTitle: 'Team',
      senderName: 'Alice',
      text: 'hello',
      mention: false,
    });
    expect(messagePayload(message({ chatType: 'direct', chatTitle: null })).chatTitle).toBeNull();
  });

  it('cuts the text to its first 200 code points (an emoji is one)', () => {
    const text = '😀'.repeat(150) + 'x'.repeat(100);
    const cut = messagePayload(message({ text })).text;
    expect([...cut]).toHaveLength(200);
    expect(cut).toBe('😀'.repeat(150) + 'x'.repeat(50));
  });

  it('names the attachments of a message without text', () => {
    expect(messagePayload(message({ text: null, attachmentCount: 3 })).text).toBe('📎 3 attachments');
    expect(messagePayload(message({ text: '', attachmentCount: 1 })).text).toBe('📎 1 attachment');
  });

  it('is urgent for direct chats and mentions', () => {
    expect(messageUrgency('direct', false)).toBe('high');
    expect(messageUrgency('group', true)).toBe('high');
    expect(messageUrgency('group', false)).toBe('normal');
  });

  it('has one topic per chat, at most 32 base64url characters', () => {
    expect(chatTopic('a')).toBe(chatTopic('a'));
    expect(chatTopic('a')).not.toBe(chatTopic('b'));
    expect(chatTopic('0c8b2f3e-6a3c-4f7e-9a43-2b8d0f7f0e11')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('retry policy', () => {
  it('doubles from 1 s with jitter, up to an hour', () => {
    expect(retryDelaySeconds(1, null, () => 0.5)).toBe(1);
    expect(retryDelaySeconds(4, null, () => 0.5)).toBe(8);
    expect(retryDelaySeconds(40, null, () => 0.5)).toBe(3600);
    expect(retryDelaySeconds(1, null, () => 0)).toBeCloseTo(0.8);
    expect(retryDelaySeconds(1, null, () => 1)).toBeCloseTo(1.2);
  });

  it('honours Retry-After as given', () => {
    expect(retryDelaySeconds(5, 2)).toBe(2);
    expect(retryDelaySeconds(1, 120)).toBe(120);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
  });
});
