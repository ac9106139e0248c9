/**
 * `@username` mentions in a message text (no Nest here, so a unit test can run it). A mention is
 * `@` and a run of username characters (`A-Z a-z 0-9 _ .`) that is not part of a longer word: the
 * `@` follows no letter, mark, digit or connector (so `a@b.c` and `привет@bob` are no mentions), and
 * the run is not followed by one (`@bobé`) nor by another `@` (`@bob@host`). Dots at the end of the
 * run are punctuation unless the whole run is a username (`@bob.` names `bob.` if that user exists,
 * else `bob`). Which names are members of the chat is decided where the message is stored.
 */

const MENTION = /@([A-Za-z0-9_.]+)/g;
const WORD = /[\p{L}\p{M}\p{N}\p{Pc}]/u;
const USERNAME = /^[A-Za-z0-9_.]{3,32}$/;

/** Each mention's candidate usernames, lowercased, in the order they appear: the whole run, then the run without its final dots. */
export function mentionCandidates(text: string): string[][] {
  if (!text.includes('@')) return [];
  const found: string[][] = [];
  for (const match of text.matchAll(MENTION)) {
    const at = match.index;
    const end = at + match[0].length;
    if (at > 0 && WORD.test(lastCodePoint(text, at))) continue;
    if (end < text.length && (text[end] === '@' || WORD.test(String.fromCodePoint(text.codePointAt(end)!)))) continue;
    const run = match[1].toLowerCase();
    const names = [...new Set([run, run.replace(/\.+$/, '')])].filter((name) => USERNAME.test(name));
    if (names.length) found.push(names);
  }
  return found;
}

/** The code point that ends just before `index`. */
function lastCodePoint(text: string, index: number): string {
  const unit = text.charCodeAt(index - 1);
  return unit >= 0xdc00 && unit <= 0xdfff && index >= 2 ? text.slice(index - 2, index) : text[index - 1];
}

/**
 * The user ids the mentions name, in order of first appearance, each once: for each mention the
 * first of its candidates that is a user (`idsByName`: lowercased username → id).
 */
export function mentionedUserIds(candidates: string[][], idsByName: ReadonlyMap<string, string>): string[] {
  const ids: string[] = [];
  for (const names of candidates) {
    const id = names.map((name) => idsByName.get(name)).find((found) => found !== undefined);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
