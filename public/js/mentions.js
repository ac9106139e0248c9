// Mentions: `@username` of a member. The server decides who a message mentions (`mentions`, user
// ids); the client finds those names in the text to highlight them, and offers the chat's members
// while one types a name after "@".
import { state } from './state.js';

const NAME_CHARS = 'A-Za-z0-9_.';
// "@" where a mention may start (not inside a word, not "a@b"), and the name typed so far.
const TYPING_MENTION = new RegExp(`(?:^|[^${NAME_CHARS}@])@([${NAME_CHARS}]{0,32})$`);
const MENTION = new RegExp(`(?<![${NAME_CHARS}@])@([${NAME_CHARS}]+)`, 'g');
const SUGGESTIONS = 6;

/** Whether the message names the current user. */
export function mentionsMe(m) {
  return Boolean(state.me && m?.mentions?.includes(state.me.id));
}

/**
 * The mention being typed just before the caret: where its "@" is and the name so far, or null.
 * @param {string} text
 * @param {number} caret
 */
export function mentionAt(text, caret) {
  const match = TYPING_MENTION.exec(text.slice(0, caret));
  return match ? { start: caret - match[1].length - 1, query: match[1] } : null;
}

/** Members of the chat (not me) whose username or display name starts with `query`, usernames first. */
export function mentionCandidates(chatId, query) {
  const q = query.toLowerCase();
  const members = [...(state.conversations.get(chatId)?.members.keys() ?? [])]
    .filter((id) => id !== state.me?.id)
    .map((id) => state.users.get(id))
    .filter(Boolean);
  const byName = members.filter((u) => u.username.toLowerCase().startsWith(q));
  const byDisplay = members.filter(
    (u) =>
      !byName.includes(u) &&
      (u.displayName ?? '')
        .toLowerCase()
        .split(/\s+/)
        .some((word) => word.startsWith(q)),
  );
  return [...byName.sort((a, b) => a.username.localeCompare(b.username)), ...byDisplay].slice(0, SUGGESTIONS);
}

/**
 * The text in pieces: strings, and { mention, userId } for each name the server counted as a mention.
 * @returns {Array<string | { mention: string, userId: string }>}
 */
export function textWithMentions(m) {
  const text = m.text ?? '';
  if (!m.mentions?.length) return [text];
  const byName = new Map();
  for (const id of m.mentions) {
    const u = state.users.get(id);
    if (u?.username) byName.set(u.username.toLowerCase(), id);
  }
  const pieces = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].replace(/\.+$/, ''); // a full stop after a name ends the sentence
    const userId = byName.get(name.toLowerCase());
    if (!userId) continue;
    pieces.push(text.slice(at, match.index), { mention: `@${name}`, userId });
    at = match.index + name.length + 1;
  }
  pieces.push(text.slice(at));
  return pieces.filter((p) => p !== '');
}
