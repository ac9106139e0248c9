/**
 * What an integrator writes: a program typed only by what openapi-typescript makes of the
 * committed openapi.json (./api.d.ts), talking to the service with openapi-fetch. Nothing of this
 * repository's code is imported. test/openapi-client.e2e-spec.ts regenerates the types, checks
 * this file with `tsc --strict` against them and runs it: `node client.js <base URL>`.
 *
 * It prints what a user would check, one `key: value` line each.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Schemas = components['schemas'];
type Client = ReturnType<typeof createClient<paths>>;

interface Session {
  user: Schemas['UserDto'];
  client: Client;
}

/** A failed call: its status and the contract's error code. */
function refused(what: string, response: Response, error: { code: string; message: string }): Error {
  return new Error(`${what}: ${response.status} ${error.code} ${error.message}`);
}

async function register(baseUrl: string, username: string): Promise<Session> {
  const anonymous = createClient<paths>({ baseUrl });
  const { data, error, response } = await anonymous.POST('/api/auth/register', { body: { username, password: 'correct horse battery' } });
  if (error) throw refused('register', response, error);
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.accessToken}` } });
  return { user: data.user, client };
}

/** Sends `text` to a chat: a message, or a command's answer when the text is one ("/help"). */
async function send(session: Session, chatId: string, text: string): Promise<Schemas['MessageDto'] | Schemas['CommandAnswerDto']> {
  const { data, error, response } = await session.client.POST('/api/chats/{id}/messages', {
    params: { path: { id: chatId } },
    body: { clientId: randomUUID(), text },
  });
  if (error) throw refused(`send ${JSON.stringify(text)}`, response, error);
  return data;
}

async function command(session: Session, chatId: string, text: string): Promise<Schemas['CommandAnswerDto']> {
  const answer = await send(session, chatId, text);
  if (!('command' in answer)) throw new Error(`${text}: stored as a message, not run as a command`);
  return answer;
}

async function main(baseUrl: string): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  const alice = await register(baseUrl, `alice_${tag}`);
  const bob = await register(baseUrl, `bob_${tag}`);
  console.log(`registered: ${alice.user.username}, ${bob.user.username}`);

  const created = await alice.client.POST('/api/chats', { body: { type: 'direct', userId: bob.user.id } });
  if (created.error) throw refused('create the direct chat', created.response, created.error);
  const chat = created.data;
  console.log(`chat: ${chat.type} with ${chat.peer?.username ?? '(no peer)'}`);

  const sent = await send(alice, chat.id, `hello from ${alice.user.username}`);
  if ('command' in sent) throw new Error('a plain text was taken for a command');
  console.log(`sent: #${sent.seq} ${sent.status ?? ''}`.trim());

  const help = await command(alice, chat.id, '/help');
  if (!('commands' in help.result)) throw new Error(`/help answered ${JSON.stringify(help.result)}`);
  console.log(`help: ${help.result.commands.map((c) => c.usage.split(' ')[0]).join(' ')}`);

  const who = await command(bob, chat.id, '/who');
  if (!('members' in who.result)) throw new Error(`/who answered ${JSON.stringify(who.result)}`);
  console.log(`who: ${who.result.members.map((m) => `${m.user.username} (${m.role})`).join(', ')}`);

  const history = await bob.client.GET('/api/chats/{id}/messages', { params: { path: { id: chat.id }, query: { limit: 10 } } });
  if (history.error) throw refused('history', history.response, history.error);
  const texts = history.data.items.filter((m) => m.type === 'text').map((m) => m.text ?? '(deleted)');
  console.log(`history: ${texts.join(' | ')}`);
}

const [baseUrl] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node client.js <base URL of the service>');
  process.exit(2);
}
main(baseUrl).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
