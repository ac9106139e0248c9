/**
 * The words of a text as search sees them, in one place for both sides: the database folds and
 * splits a message's text (the SQL functions of the migration MessageSearch1795612000000, which
 * carry the character classes below as literals) and this file reads the folded text the same way
 * to build queries and to mark the matches in a snippet.
 *
 * Folding (SQL `app_search_fold`, one code point at a time): invisible formatting characters and
 * combining marks are removed, then unaccent (PostgreSQL's contrib dictionary: `é` → `e`, `Ё` → `Е`,
 * `ß` → `ss`, `Æ` → `AE` …), then lower case. Splitting (SQL `app_search_text`): every separator
 * below ends a word, and a run of a script written without spaces (Chinese, Japanese, Thai …) is a
 * word of its own, matched by substring.
 */

/** Inclusive code point ranges. */
export type CodePointRanges = ReadonlyArray<readonly [number, number]>;

/** Removed before folding: soft hyphen, combining marks, zero-width characters, variation selectors, tags. */
export const STRIPPED: CodePointRanges = [
  [0x00ad, 0x00ad],
  [0x0300, 0x036f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0x20d0, 0x20ff],
  [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f],
  [0xfeff, 0xfeff],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

/**
 * Word boundaries: ASCII other than letters and digits, Latin-1 punctuation and symbols, general
 * punctuation and spaces, arrows to dingbats and other symbols, CJK and fullwidth punctuation
 * (not the iteration marks 々〆〇, which are parts of words), the katakana middle dot, emoji.
 */
export const SEPARATORS: CodePointRanges = [
  [0x0000, 0x002f],
  [0x003a, 0x0040],
  [0x005b, 0x0060],
  [0x007b, 0x00bf],
  [0x00d7, 0x00d7],
  [0x00f7, 0x00f7],
  [0x2000, 0x206f],
  [0x2190, 0x2bff],
  [0x3000, 0x3004],
  [0x3008, 0x303f],
  [0x30fb, 0x30fb],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe6f],
  [0xff01, 0xff0f],
  [0xff1a, 0xff20],
  [0xff3b, 0xff40],
  [0xff5b, 0xff65],
  [0x1f000, 0x1faff],
];

/** Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, CJK ideographs, kana, Bopomofo. */
export const UNSPACED: CodePointRanges = [
  [0x0e00, 0x0eff],
  [0x1000, 0x109f],
  [0x1780, 0x17ff],
  [0x2e80, 0x2fdf],
  [0x3005, 0x3007],
  [0x3040, 0x30fa],
  [0x30fc, 0x30ff],
  [0x3100, 0x312f],
  [0x3190, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xf900, 0xfaff],
  [0xff66, 0xff9f],
  [0x20000, 0x3134f],
];

/** Words are indexed and compared on their first this many code points (a lexeme has a size limit). */
export const WORD_MAX = 64;

/** A bracket expression of PostgreSQL's regular expressions (`[\u0300-\u036f…]`), as the migration writes them. */
export function pgClass(ranges: CodePointRanges): string {
  const esc = (cp: number) => (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`);
  return `[${ranges.map(([from, to]) => (from === to ? esc(from) : `${esc(from)}-${esc(to)}`)).join('')}]`;
}

function inRanges(ranges: CodePointRanges): (cp: number) => boolean {
  return (cp) => ranges.some(([from, to]) => cp >= from && cp <= to);
}

const isSeparator = inRanges(SEPARATORS);
const isUnspaced = inRanges(UNSPACED);

/** A word of a folded text: [start, end) in code points of that text. */
export interface Word {
  text: string;
  start: number;
  end: number;
  /** Of a script written without spaces: matched by substring. */
  unspaced: boolean;
}

/** The words of a folded text, as `app_search_text` splits it. */
export function splitWords(folded: readonly string[]): Word[] {
  const words: Word[] = [];
  let start = -1;
  let unspaced = false;
  const close = (end: number) => {
    if (start >= 0) words.push({ text: folded.slice(start, end).join(''), start, end, unspaced });
    start = -1;
  };
  folded.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (isSeparator(cp)) return close(i);
    const kind = isUnspaced(cp);
    if (start >= 0 && kind !== unspaced) close(i);
    if (start < 0) {
      start = i;
      unspaced = kind;
    }
  });
  close(folded.length);
  return words;
}

/** A word of the query as the database folded it, and how it matches. */
export interface QueryWord {
  text: string;
  unspaced: boolean;
  /** The last word of the query matches as a prefix (`hel` finds `hello`). */
  prefix: boolean;
}

/** The query's words, from the database's split of the query text (`app_search_text`). */
export function queryWords(tokens: readonly string[]): QueryWord[] {
  const words = tokens.filter((t) => t !== '');
  return words.map((text, i) => ({
    text: [...text].slice(0, WORD_MAX).join(''),
    unspaced: isUnspaced(text.codePointAt(0)!),
    prefix: i === words.length - 1,
  }));
}

/** The key of a chat in its lexemes (`app_search_vector`): the first 8 hex digits of its id. */
export const chatKey = (chatId: string) => `${chatId.slice(0, 8).toLowerCase()}:`;

const lexeme = (key: string, text: string, prefix = false) => `'${key}${text}'${prefix ? ':*' : ''}`;

/**
 * The tsqueries of the query words, one per chat key: in that chat every word (a word, the last one
 * as a prefix; text without spaces by its character pairs, a single character as the start of one).
 * One small query per chat rather than one query ORing every chat: GIN checks each candidate row
 * against the whole query it was given, so a 50-chat OR cost ~4x more index time for the same rows.
 * Lexemes hold letters, digits and the key only (quotes and backslashes are separators).
 */
export function tsQueries(chatIds: readonly string[], words: readonly QueryWord[]): string[] {
  const keys = [...new Set(chatIds.map(chatKey))];
  const terms = (key: string) => {
    const out = new Set<string>();
    for (const w of words) {
      const chars = [...w.text];
      if (!w.unspaced) out.add(lexeme(key, w.text, w.prefix));
      else if (chars.length === 1) out.add(lexeme(key, w.text, true));
      else for (let i = 0; i + 1 < chars.length; i++) out.add(lexeme(key, chars[i] + chars[i + 1]));
    }
    return [...out].join(' & ');
  };
  return keys.map(terms);
}

/**
 * The words without spaces of three characters or more: their pairs are necessary, not sufficient,
 * so the page query checks the folded text for the whole word.
 */
export function substringChecks(words: readonly QueryWord[]): string[] {
  return words.filter((w) => w.unspaced && [...w.text].length > 2).map((w) => w.text);
}

/** Where a query word occurs in a folded text: [start, end) in its code points. */
function matches(words: readonly Word[], query: readonly QueryWord[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const word of words) {
    const head = [...word.text].slice(0, WORD_MAX).join('');
    for (const q of query) {
      if (q.unspaced !== word.unspaced) continue;
      if (!q.unspaced) {
        if (head === q.text || (q.prefix && head.startsWith(q.text)))
          spans.push([word.start, word.start + (q.prefix ? [...q.text].length : word.end - word.start)]);
        continue;
      }
      const chars = [...word.text];
      const needle = [...q.text];
      for (let i = 0; i + needle.length <= chars.length; i++) {
        if (needle.every((c, j) => chars[i + j] === c)) spans.push([word.start + i, word.start + i + needle.length]);
      }
    }
  }
  return spans;
}

/** Code points of text around the first match, at most. */
export const SNIPPET_MAX = 160;
/** How much of the window comes before the first match, when the text is longer than the window. */
const SNIPPET_LEAD = 40;

/**
 * Up to SNIPPET_MAX code points of `text` around its first match, each match wrapped in « ».
 * `fold` gives each code point's folded form (the database's, `app_search_fold`): the folded text
 * keeps a map to the original code points, so a match is marked on the characters it came from
 * (`«Café»` for `cafe`, `«Straße»` for `strasse`). No match (it cannot happen for a result, but a
 * fold the database changed meanwhile could): the start of the text.
 */
export function snippet(text: string, query: readonly QueryWord[], fold: (ch: string) => string): string {
  const chars = [...text];
  const folded: string[] = [];
  const origin: number[] = [];
  chars.forEach((ch, i) => {
    for (const f of fold(ch)) {
      folded.push(f);
      origin.push(i);
    }
  });
  // Spans in original code points [start, end), merged.
  const spans = matches(splitWords(folded), query)
    .map(([s, e]): [number, number] => [origin[s], origin[e - 1] + 1])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .reduce<Array<[number, number]>>((out, span) => {
      const last = out.at(-1);
      if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
      else out.push([...span]);
      return out;
    }, []);
  let start = 0;
  if (chars.length > SNIPPET_MAX && spans.length) {
    start = Math.min(Math.max(0, spans[0][0] - SNIPPET_LEAD), chars.length - SNIPPET_MAX);
    // Begin at a word when one starts shortly after the cut (and still before the match).
    for (let i = start; start > 0 && i < Math.min(start + 12, spans[0][0]); i++) {
      if (/\s/u.test(chars[i])) {
        start = i + 1;
        break;
      }
    }
  }
  const end = Math.min(chars.length, start + SNIPPET_MAX);
  let out = '';
  let at = start;
  for (const [s, e] of spans) {
    if (e <= start || s >= end) continue;
    const from = Math.max(s, start);
    const to = Math.min(e, end);
    out += chars.slice(at, from).join('') + '«' + chars.slice(from, to).join('') + '»';
    at = to;
  }
  return out + chars.slice(at, end).join('');
}
