import { parseText } from './command-parser';

describe('parseText', () => {
  it('leaves plain text alone', () => {
    expect(parseText('hello /world')).toEqual({ kind: 'text', text: 'hello /world' });
    expect(parseText(' /help')).toEqual({ kind: 'text', text: ' /help' });
  });

  it('unescapes a leading //', () => {
    expect(parseText('//help')).toEqual({ kind: 'text', text: '/help' });
    expect(parseText('///x')).toEqual({ kind: 'text', text: '//x' });
  });

  it.each([
    ['/help', { name: 'help' }],
    ['/HELP', { name: 'help' }],
    ['/who', { name: 'who' }],
    ['/leave', { name: 'leave' }],
    ['/pin', { name: 'pin' }],
    ['/unpin  ', { name: 'unpin' }],
    ['/title  New   title ✨ ', { name: 'title', title: 'New   title ✨' }],
    ['/invite @alice bob  @carol', { name: 'invite', usernames: ['alice', 'bob', 'carol'] }],
    ['/invite @alice @alice', { name: 'invite', usernames: ['alice'] }],
    ['/kick @bob', { name: 'kick', username: 'bob' }],
  ])('parses %s', (text, command) => {
    expect(parseText(text)).toEqual({ kind: 'command', command });
  });

  it.each(['/', '/nope', '/helpme', '/ help'])('reports %j as an unknown command', (text) => {
    expect(parseText(text)).toMatchObject({ kind: 'error', code: 'UNKNOWN_COMMAND' });
  });

  it.each([
    '/title',
    '/title    ',
    `/title ${'x'.repeat(101)}`,
    '/invite',
    '/invite @a!',
    '/kick',
    '/kick @bob @carol',
    '/help me',
    '/leave now',
  ])('rejects bad arguments in %j', (text) => {
    expect(parseText(text)).toMatchObject({ kind: 'error', code: 'VALIDATION_FAILED' });
  });

  it('counts the title in code points', () => {
    expect(parseText(`/title ${'😀'.repeat(100)}`)).toMatchObject({ kind: 'command' });
    expect(parseText(`/title ${'😀'.repeat(101)}`)).toMatchObject({ kind: 'error' });
  });
});
