import { mentionCandidates, mentionedUserIds } from './mentions';

describe('mentionCandidates', () => {
  it.each([
    ['hi @bob', [['bob']]],
    ['@Bob and @ALICE', [['bob'], ['alice']]],
    ["(@bob), «@bob»: @bob! @bob? @bob's", [['bob'], ['bob'], ['bob'], ['bob'], ['bob']]],
    ['end of sentence @bob.', [['bob.', 'bob']]],
    ['@bob.smith and @bob...', [['bob.smith'], ['bob...', 'bob']]],
    ['😀@bob @bob😀', [['bob'], ['bob']]],
    ['@@bob', [['bob']]],
    ['line\n@bob\t@carol', [['bob'], ['carol']]],
  ])('%j → %j', (text, expected) => {
    expect(mentionCandidates(text)).toEqual(expected);
  });

  it.each([
    'a@b.c',
    'mail bob@example.com',
    'привет@bob',
    'café@bob',
    'e\u0301@bob',
    '日本@bob',
    '٣@bob',
    '_@bob',
    '@bobé',
    '@bob\u0301',
    '@bobж',
    '@bob@host',
    '@ab',
    `@${'a'.repeat(33)}`,
    '@.. @a.',
    'no at sign',
    '@',
  ])('%j has no mention', (text) => {
    expect(mentionCandidates(text)).toEqual([]);
  });
});

describe('mentionedUserIds', () => {
  const ids = new Map([
    ['bob', 'id-bob'],
    ['bob.', 'id-bob-dot'],
    ['alice', 'id-alice'],
  ]);

  it('keeps the order of first appearance, each once, and the first candidate that is a user', () => {
    expect(mentionedUserIds([['alice'], ['bob'], ['alice'], ['bob.', 'bob'], ['nobody']], ids)).toEqual([
      'id-alice',
      'id-bob',
      'id-bob-dot',
    ]);
    expect(
      mentionedUserIds(
        [
          ['carol.', 'carol'],
          ['bob..', 'bob'],
        ],
        ids,
      ),
    ).toEqual(['id-bob']);
  });
});
