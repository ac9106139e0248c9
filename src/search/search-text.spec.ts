import { SEPARATORS_CLASS, STRIPPED_CLASS, UNSPACED_CLASS, WORD_MAX_SQL } from '../database/migrations/1795612000000-MessageSearch';
import {
  SEPARATORS,
  STRIPPED,
  UNSPACED,
  WORD_MAX,
  pgClass,
  queryWords,
  snippet,
  splitWords,
  substringChecks,
  tsQueries,
} from './search-text';

/** A stand-in for app_search_fold on the characters these tests use. */
const FOLD: Record<string, string> = { Ё: 'е', ё: 'е', é: 'e', É: 'e', ß: 'ss', Æ: 'ae', Л: 'л', К: 'к', А: 'а', H: 'h', M: 'm', C: 'c' };
const fold = (ch: string) => FOLD[ch] ?? ch.toLowerCase();
const words = (...tokens: string[]) => queryWords(tokens);

describe('search text rules', () => {
  it('are the ones the migration wrote into the database functions', () => {
    expect(pgClass(STRIPPED)).toBe(STRIPPED_CLASS);
    expect(pgClass(SEPARATORS)).toBe(SEPARATORS_CLASS);
    expect(pgClass(UNSPACED)).toBe(UNSPACED_CLASS);
    expect(WORD_MAX).toBe(WORD_MAX_SQL);
  });

  it('split a folded text into words, a run without spaces being a word of its own', () => {
    expect(splitWords([...'hi, 北京饭店iphone手机 — ok!']).map((w) => [w.text, w.unspaced])).toEqual([
      ['hi', false],
      ['北京饭店', true],
      ['iphone', false],
      ['手机', true],
      ['ok', false],
    ]);
  });

  it('make the last word a prefix and keep a word to its first 64 characters', () => {
    expect(words('meet', 'tom')).toEqual([
      { text: 'meet', unspaced: false, prefix: false },
      { text: 'tom', unspaced: false, prefix: true },
    ]);
    expect(words('a'.repeat(100))[0].text).toHaveLength(64);
  });

  it('build one query per chat key: words, the last as a prefix, text without spaces by character pairs', () => {
    const chats = ['0123abcd-0000-4000-8000-000000000000', '0123ABCD-1111-4000-8000-000000000000', 'ffffffff-2222-4000-8000-000000000000'];
    expect(tsQueries(chats, words('cafe', '北京饭', '猫'))).toEqual([
      "'0123abcd:cafe' & '0123abcd:北京' & '0123abcd:京饭' & '0123abcd:猫':*",
      "'ffffffff:cafe' & 'ffffffff:北京' & 'ffffffff:京饭' & 'ffffffff:猫':*",
    ]);
    expect(tsQueries(chats.slice(2), words('ёлка'))).toEqual(["'ffffffff:ёлка':*"]);
    expect(substringChecks(words('北京饭', '北京', 'cafe'))).toEqual(['北京饭']);
  });
});

describe('snippet', () => {
  it('marks each match on the original characters, whatever folding did to them', () => {
    expect(snippet('Ёлка, café и Straße', words('елка', 'cafe', 'strasse'), fold)).toBe('«Ёлка», «café» и «Straße»');
    expect(snippet('Hello hello HELP', words('hel'), fold)).toBe('«Hel»lo «hel»lo «HEL»P');
    expect(snippet('我们在北京饭店见面', words('北京饭'), fold)).toBe('我们在«北京饭»店见面');
    // A word that is not the last must be a whole word.
    expect(snippet('helpful help', words('help', 'x'), fold)).toBe('helpful «help»');
  });

  it('cuts a long text to 160 code points around the first match, starting at a word', () => {
    const text = `${'lorem ipsum '.repeat(30)}needle ${'dolor sit '.repeat(30)}`;
    const cut = snippet(text, words('needle'), fold);
    expect([...cut.replace(/[«»]/g, '')].length).toBeLessThanOrEqual(160);
    expect(cut).toContain('«needle»');
    expect(cut.startsWith('lorem') || cut.startsWith('ipsum')).toBe(true);
    expect(cut.indexOf('«needle»')).toBeGreaterThan(20);
  });

  it('counts code points, not UTF-16 units', () => {
    const text = `${'😀'.repeat(200)} target`;
    const cut = snippet(text, words('target'), fold);
    expect(cut.endsWith('«target»')).toBe(true);
    expect([...cut.replace(/[«»]/g, '')].length).toBe(160);
  });
});
