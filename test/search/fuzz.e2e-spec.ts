import fc from 'fast-check';
import { ok, TestUser } from '../support/api';
import { useService } from '../support/service';
import { searchRest } from './search.support';

/**
 * Any query text a client can send (any Unicode, tsquery and LIKE syntax, quotes, backslashes,
 * marks, emoji, long words) is either searched (200, the contract's shape) or refused (400):
 * never a 5xx. The query's words reach SQL only as parameters and folded lexemes.
 */
describe('search: any query text', () => {
  const svc = useService();
  const { api } = svc;
  let user: TestUser;
  let chatId: string;

  beforeAll(async () => {
    const [a, b] = await api.newUsers(2);
    user = b;
    chatId = (await api.newDirect(a, b)).id;
    for (const text of ["it's a 'quote' \\ back\\slash", 'a & b | !c (d) e:* f', '100% _under_ café 北京 ё', 'x'.repeat(300)]) {
      ok(await api.send(a, chatId, { text }), 201);
    }
  });

  const syntax = fc.constantFrom(
    "'",
    '\\',
    '&',
    '|',
    '!',
    '(',
    ')',
    ':*',
    '%',
    '_',
    '<->',
    '"',
    ' ',
    'ё',
    '́',
    '北京',
    '😀',
    'ﬁ',
    'x'.repeat(70),
  );
  const query = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.array(syntax, { maxLength: 12 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );

  it('answers 200 or 400, never 5xx, over 300 generated queries', async () => {
    let searched = 0;
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), async (q, inChat) => {
        const res = await searchRest(api, user, { q, ...(inChat ? { chatId } : {}) });
        expect([200, 400]).toContain(res.status);
        if (res.status === 200) {
          searched += 1;
          expect(Array.isArray(res.body.items)).toBe(true);
          for (const item of res.body.items) expect(typeof item.snippet).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
    console.log(`search fuzz: ${searched} of 300 queries searched, the rest refused with 400`);
    expect(searched).toBeGreaterThan(100);
  });
});
