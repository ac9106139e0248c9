// "Someone is typing": mine goes out over the socket; others' is shown until they stop, send, or
// go quiet (a lost "stopped" must not leave the indicator on for good).
import { changed, state } from './state.js';
import { emit } from './transport.js';

const TYPING_TIMEOUT_MS = 8000;

export function setTyping(chatId, isTyping) {
  emit('typing', { chatId, isTyping });
}

/** Who is typing in the chat, by user id. */
export function typingIn(chatId) {
  return [...(state.typing.get(chatId)?.keys() ?? [])];
}

export function typingChanged(chatId, userId, isTyping) {
  let timers = state.typing.get(chatId);
  clearTimeout(timers?.get(userId));
  if (isTyping) {
    if (!timers) state.typing.set(chatId, (timers = new Map()));
    timers.set(
      userId,
      setTimeout(() => typingChanged(chatId, userId, false), TYPING_TIMEOUT_MS),
    );
  } else {
    timers?.delete(userId);
  }
  changed('list', 'header');
}

export function clearTyping() {
  for (const timers of state.typing.values()) for (const t of timers.values()) clearTimeout(t);
}
