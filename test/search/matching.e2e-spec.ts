import { expectError, ok, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { SearchParams, searchBoth, searchRest, snippetsOf, textsOf } from './search.support';

/**
 * What a user finds with GET /api/search/messages and `messages:search`: every word, the last as a
 * prefix, case and diacritics ignored, Chinese and Japanese by substring, newest first, in pages,
 * with a marked snippet. Fixtures in Russian, English, Chinese and mixed text.
 */
describe('search: matching', () => {
  const svc = useService();
  const { api } = svc;
  const sockets = useSockets();

  const TEXTS = [
    'Ёлка стоит в углу, игрушки в коробке',
    'Встретимся завтра в кафе на углу',
    'Meet me at the café tomorrow at noon',
    'The meeting moved to Thursday',
    'hello world, hello again',
    '我们明天在北京饭店见面',
    '東京タワーの近くのカフェで待ち合わせ',
    'Купил новый iPhone手机 в магазине',
    'Straße und Æsir — naïve Zoë',
    'ЕЛКА без игрушек',
  ];

  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;
  let sent: MessageDto[];
  const find = async (q: string) => searchBoth(api, bob, await sockets.open(svc, bob), { q });

  beforeAll(async () => {
    [alice, bob] = await api.newUsers(2);
    chatId = (await api.newDirect(alice, bob)).id;
    sent = [];
    for (const text of TEXTS) sent.push(ok(await api.send(alice, chatId, { text }), 201));
  });

  const newestFirst = (...texts: string[]) => [...texts].sort((a, b) => TEXTS.indexOf(b) - TEXTS.indexOf(a));

  it('ignores case and diacritics: Ёлка finds елка, cafe finds café, strasse finds Straße', async () => {
    expect(textsOf(await find('елка'))).toEqual(newestFirst(TEXTS[0], TEXTS[9]));
    expect(textsOf(await find('ЁЛКА'))).toEqual(newestFirst(TEXTS[0], TEXTS[9]));
    expect(textsOf(await find('cafe'))).toEqual([TEXTS[2]]);
    expect(textsOf(await find('CAFÉ'))).toEqual([TEXTS[2]]);
    expect(textsOf(await find('strasse aesir naive zoe'))).toEqual([TEXTS[8]]);
  });

  it('needs every word, each as a whole word, and lets the last one be a prefix', async () => {
    expect(textsOf(await find('hel'))).toEqual([TEXTS[4]]);
    expect(textsOf(await find('world hel'))).toEqual([TEXTS[4]]);
    // "hel" is not the last word: it must be a word of its own.
    expect(textsOf(await find('hel world'))).toEqual([]);
    expect(textsOf(await find('meet tomorrow'))).toEqual([TEXTS[2]]);
    // "meet" is no prefix of "meeting" unless it is the last word.
    expect(textsOf(await find('meet thursday'))).toEqual([]);
    expect(textsOf(await find('thursday meet'))).toEqual([TEXTS[3]]);
    expect(textsOf(await find('встретимся угл'))).toEqual([TEXTS[1]]);
    expect(textsOf(await find('угл'))).toEqual(newestFirst(TEXTS[0], TEXTS[1]));
    // Word order and punctuation do not matter.
    expect(textsOf(await find('углу, ёлка!'))).toEqual([TEXTS[0]]);
    expect(textsOf(await find('tomorrow xyzzy'))).toEqual([]);
  });

  it('finds Chinese and Japanese by substring, also inside mixed text', async () => {
    expect(textsOf(await find('北京'))).toEqual([TEXTS[5]]);
    expect(textsOf(await find('京饭店'))).toEqual([TEXTS[5]]);
    expect(textsOf(await find('饭'))).toEqual([TEXTS[5]]);
    expect(textsOf(await find('店见面'))).toEqual([TEXTS[5]]);
    expect(textsOf(await find('北京见面'))).toEqual([]);
    expect(textsOf(await find('タワー'))).toEqual([TEXTS[6]]);
    expect(textsOf(await find('カフェ'))).toEqual([TEXTS[6]]);
    // Mixed: the Latin word and the Chinese word are words of their own.
    expect(textsOf(await find('iphone'))).toEqual([TEXTS[7]]);
    expect(textsOf(await find('手机'))).toEqual([TEXTS[7]]);
    expect(textsOf(await find('купил 手机 iph'))).toEqual([TEXTS[7]]);
  });

  it('marks every match in the snippet, on the characters as written', async () => {
    expect(snippetsOf(await find('ёлка игрушк'))).toEqual(['«Ёлка» стоит в углу, «игрушк»и в коробке']);
    expect(snippetsOf(await find('cafe tomorrow'))).toEqual(['Meet me at the «café» «tomorrow» at noon']);
    expect(snippetsOf(await find('hello'))).toEqual(['«hello» world, «hello» again']);
    expect(snippetsOf(await find('京饭'))).toEqual(['我们明天在北«京饭»店见面']);
    expect(snippetsOf(await find('iphone 手机'))).toEqual(['Купил новый «iPhone»«手机» в магазине']);
  });

  it('answers the contract shape: the Message as the caller sees it, and its snippet', async () => {
    const page = await find('thursday');
    expect(page).toEqual({
      items: [{ message: { ...sent[3], status: null }, snippet: 'The meeting moved to «Thursday»' }],
      nextCursor: null,
    });
    const own = ok(await searchRest(api, alice, { q: 'thursday' }), 200);
    expect(own.items[0].message).toEqual(sent[3]);
  });

  it('cuts a long text to 160 code points around the first match', async () => {
    const text = `${'Lorem ipsum dolor sit amet. '.repeat(12)}Найди иголку в стоге сена. ${'Consectetur adipiscing elit. '.repeat(12)}`;
    ok(await api.send(alice, chatId, { text }), 201);
    const [hit] = (await find('иголку')).items;
    const plain = hit.snippet.replace(/[«»]/g, '');
    expect([...plain].length).toBeLessThanOrEqual(160);
    expect(text).toContain(plain);
    expect(hit.snippet).toContain('«иголку»');
    expect(hit.snippet.indexOf('«иголку»')).toBeGreaterThan(10);
  });

  it('pages newest first with a cursor, across chats, and limits to one chat with chatId', async () => {
    const [carol, dave] = await api.newUsers(2);
    const direct = (await api.newDirect(carol, dave)).id;
    const group = (await api.newGroup(carol, [dave], 'Пятница')).id;
    const texts: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const text = `пятница ${i}`;
      texts.push(text);
      ok(await api.send(i % 2 ? carol : dave, i % 3 ? direct : group, { text }), 201);
    }
    const socket = await sockets.open(svc, dave);
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await searchBoth(api, dave, socket, { q: 'пятница', limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(textsOf(page) as string[]);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(pages).toEqual([texts.slice(4).reverse(), texts.slice(1, 4).reverse(), [texts[0]]]);
    const inGroup = await searchBoth(api, dave, socket, { q: 'пятница', chatId: group });
    expect(textsOf(inGroup)).toEqual(texts.filter((_, i) => (i + 1) % 3 === 0).reverse());
    // The default page size is 20.
    expect((await searchBoth(api, dave, socket, { q: 'пятница' })).items).toHaveLength(7);
  });

  it('indexes very long words and texts: a word is compared on its first 64 characters', async () => {
    const long = `${'Ж'.repeat(1500)} хвост`;
    const cjk = '北京饭店见面'.repeat(680);
    const [w, c] = [ok(await api.send(alice, chatId, { text: long }), 201), ok(await api.send(alice, chatId, { text: cjk }), 201)];
    expect((await find(`${'ж'.repeat(100)} хвост`)).items.map((i) => i.message.id)).toEqual([w.id]);
    expect((await find('ж'.repeat(64))).items.map((i) => i.message.id)).toEqual([w.id]);
    expect((await find('店见面北京')).items.map((i) => i.message.id)).toEqual([c.id]);
  });

  it('finds nothing, without an error, for a query of separators only', async () => {
    expect(await find('?!… —')).toEqual({ items: [], nextCursor: null });
  });

  describe('bad input: 400 VALIDATION_FAILED on REST and in the ack', () => {
    const cases: Array<[string, SearchParams]> = [
      ['no q', {} as SearchParams],
      ['an empty q', { q: '' }],
      ['a q of spaces', { q: '   ' }],
      ['a q of 201 code points', { q: '😀'.repeat(201) }],
      ['limit 51', { q: 'hello', limit: 51 }],
      ['limit 0', { q: 'hello', limit: 0 }],
      ['a limit that is no number', { q: 'hello', limit: 'ten' }],
      ['a garbage cursor', { q: 'hello', cursor: 'garbage' }],
      ['a cursor of another shape', { q: 'hello', cursor: Buffer.from(JSON.stringify({ t: 'x', c: 1 })).toString('base64url') }],
      ['a chatId that is no uuid', { q: 'hello', chatId: 'nope' }],
      ...['2026-02-30T10:00:00.000000Z', '0000-01-01T00:00:00.000000Z'].map((t): [string, SearchParams] => [
        `a cursor of ${t.slice(0, 10)}`,
        { q: 'hello', cursor: Buffer.from(JSON.stringify({ t, c: '00000000-0000-4000-8000-000000000000', s: 1 })).toString('base64url') },
      ]),
    ];
    it.each(cases)('%s', async (_, query) => {
      const body = expectError(await searchRest(api, bob, query), 400, 'VALIDATION_FAILED');
      const ack = await (await sockets.open(svc, bob)).call('messages:search', query);
      expect(ack).toEqual({ ok: false, error: body });
    });

    it('takes 200 code points, counted after trimming', async () => {
      ok(await searchRest(api, bob, { q: `  ${'😀'.repeat(199)}x  ` }), 200);
    });
  });

  it('answers 404 CHAT_NOT_FOUND for a chat the caller is not in, or that does not exist', async () => {
    const [outsider] = await api.newUsers(1);
    const body = expectError(await searchRest(api, outsider, { q: 'hello', chatId }), 404, 'CHAT_NOT_FOUND');
    const ack = await (await sockets.open(svc, outsider)).call('messages:search', { q: 'hello', chatId });
    expect(ack).toEqual({ ok: false, error: body });
    expectError(await searchRest(api, bob, { q: 'hello', chatId: '00000000-0000-4000-8000-000000000000' }), 404, 'CHAT_NOT_FOUND');
  });

  it('needs a token', async () => {
    expectError(await searchRest(api, null, { q: 'hello' }), 401, 'UNAUTHORIZED');
  });
});
