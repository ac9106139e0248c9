import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type {
  AttachmentDto,
  AuthResponseDto,
  ChatDetailDto,
  ChatListDto,
  CommandAnswerDto,
  ErrorResponseDto,
  HistoryPageDto,
  MessageDto,
  MessageListDto,
  PresenceListDto,
  ReceiptsDto,
  UserDto,
  UserListDto,
  UserPublicDto,
} from './contract';
import { openApi } from './openapi';

export interface TestUser {
  id: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

/** Who makes a request: a user (its bearer token), or nobody. */
export type Caller = { auth: Record<string, string> } | null;

/** The password of every user the fixtures register. */
export const PASSWORD = 'correct horse';

let counter = 0;

export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}${randomUUID().slice(0, 4)}`.slice(0, 32);
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * A supertest answer with the body typed as the contract's `T`. An error answer carries an
 * ErrorResponseDto instead: check the status first (`ok`, `expectError`).
 */
export type Reply<T> = Omit<request.Response, 'body'> & { body: T };

export function reply<T>(req: request.Test): Promise<Reply<T>> {
  return req;
}

/** The body of an answer with one of `statuses` (any 2xx when none are given); else an error with the answer. */
export function ok<T>(res: Reply<T>, ...statuses: number[]): T {
  const fine = statuses.length ? statuses.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!fine) throw new Error(`expected ${statuses.join(' or ') || '2xx'}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Asserts the contract's error body and returns it. */
export function expectError(res: { status: number; body: unknown }, status: number, code: string): ErrorResponseDto {
  const body = res.body as Partial<ErrorResponseDto> | undefined;
  if (res.status !== status || body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  expect(typeof body.message).toBe('string');
  expect(body.statusCode).toBe(status);
  return body as ErrorResponseDto;
}

type Query = Record<string, unknown>;
type Id = string | { id: string };
const idOf = (x: Id) => (typeof x === 'string' ? x : x.id);

/** A command's answer, with the shape of its `result`. */
export type CommandAnswer<R = unknown> = Omit<CommandAnswerDto, 'result'> & { result: R };

/**
 * The service's REST API for one base URL, typed with the contract's DTOs, and the fixtures built
 * on it. The URL may be given late (a function), so that a spec can make its Api before the service starts.
 */
export class Api {
  constructor(private readonly base: string | (() => string)) {}

  get url(): string {
    return typeof this.base === 'string' ? this.base : this.base();
  }

  /**
   * supertest, for what the routes below do not cover: raw bodies, odd headers, hand-made
   * multipart. Every answer is checked against openapi.json, like those of the routes below.
   */
  request(): CheckedAgent {
    return checkedRequest(this.url);
  }

  get<T>(path: string, as: Caller, query: Query = {}) {
    return reply<T>(this.as(this.request().get(path), as).query(query));
  }

  post<T>(path: string, as: Caller, body?: unknown) {
    return reply<T>(this.withBody(this.as(this.request().post(path), as), body));
  }

  patch<T>(path: string, as: Caller, body?: unknown) {
    return reply<T>(this.withBody(this.as(this.request().patch(path), as), body));
  }

  put<T>(path: string, as: Caller, body?: unknown) {
    return reply<T>(this.withBody(this.as(this.request().put(path), as), body));
  }

  delete<T = unknown>(path: string, as: Caller, query: Query = {}) {
    return reply<T>(this.as(this.request().delete(path), as).query(query));
  }

  // --- auth and users ---

  register(body: unknown) {
    return this.post<AuthResponseDto>('/api/auth/register', null, body);
  }

  login(body: unknown) {
    return this.post<AuthResponseDto>('/api/auth/login', null, body);
  }

  refresh(refreshToken: unknown) {
    return this.post<AuthResponseDto>('/api/auth/refresh', null, { refreshToken });
  }

  logout(as: Caller) {
    return this.post('/api/auth/logout', as);
  }

  me(as: Caller) {
    return this.get<UserDto>('/api/users/me', as);
  }

  updateMe(as: Caller, body: unknown) {
    return this.patch<UserDto>('/api/users/me', as, body);
  }

  user(as: Caller, id: string) {
    return this.get<UserPublicDto>(`/api/users/${id}`, as);
  }

  searchUsers(as: Caller, query: Query) {
    return this.get<UserListDto>('/api/users', as, query);
  }

  presence(as: Caller, userIds: string[]) {
    return this.get<PresenceListDto>('/api/presence', as, { userIds: userIds.join(',') });
  }

  // --- chats ---

  createChat(as: Caller, body: unknown) {
    return this.post<ChatDetailDto>('/api/chats', as, body);
  }

  chats(as: Caller, query: Query = {}) {
    return this.get<ChatListDto>('/api/chats', as, query);
  }

  chat(as: Caller, chatId: string) {
    return this.get<ChatDetailDto>(`/api/chats/${chatId}`, as);
  }

  rename(as: Caller, chatId: string, title: unknown) {
    return this.patch<ChatDetailDto>(`/api/chats/${chatId}`, as, { title });
  }

  addMembers(as: Caller, chatId: string, users: Id[]) {
    return this.post<ChatDetailDto>(`/api/chats/${chatId}/members`, as, { userIds: users.map(idOf) });
  }

  removeMember(as: Caller, chatId: string, user: Id) {
    return this.delete(`/api/chats/${chatId}/members/${idOf(user)}`, as);
  }

  pin(as: Caller, chatId: string) {
    return this.put(`/api/chats/${chatId}/pin`, as);
  }

  unpin(as: Caller, chatId: string) {
    return this.delete(`/api/chats/${chatId}/pin`, as);
  }

  /** "Delete the dialog for me". */
  deleteChat(as: Caller, chatId: string) {
    return this.delete(`/api/chats/${chatId}`, as);
  }

  read(as: Caller, chatId: string, body: unknown) {
    return this.post(`/api/chats/${chatId}/read`, as, body);
  }

  delivered(as: Caller, chatId: string, body: unknown) {
    return this.post(`/api/chats/${chatId}/delivered`, as, body);
  }

  // --- messages ---

  /** Sends with a fresh clientId unless the body has one. */
  send(as: Caller, chatId: string, body: Record<string, unknown>) {
    return this.post<MessageDto>(`/api/chats/${chatId}/messages`, as, { clientId: randomUUID(), ...body });
  }

  /** A text message that is a command ("/help"): the same route, answered with the command's result. */
  command<R = unknown>(as: Caller, chatId: string, text: string) {
    return this.post<CommandAnswer<R>>(`/api/chats/${chatId}/messages`, as, { clientId: randomUUID(), text });
  }

  history(as: Caller, chatId: string, query: Query = {}) {
    return this.get<HistoryPageDto>(`/api/chats/${chatId}/messages`, as, query);
  }

  edit(as: Caller, chatId: string, seq: number | string, body: unknown) {
    return this.patch<MessageDto>(`/api/chats/${chatId}/messages/${seq}`, as, body);
  }

  deleteMessage(as: Caller, chatId: string, seq: number | string, scope?: string) {
    return this.delete(`/api/chats/${chatId}/messages/${seq}`, as, scope ? { scope } : {});
  }

  forward(as: Caller, chatId: string, body: unknown) {
    return this.post<MessageListDto>(`/api/chats/${chatId}/messages/forward`, as, body);
  }

  receipts(as: Caller, chatId: string, seq: number | string) {
    return this.get<ReceiptsDto>(`/api/chats/${chatId}/messages/${seq}/receipts`, as);
  }

  // --- attachments ---

  upload(as: Caller, data: Buffer, filename = 'file.bin', contentType = 'application/octet-stream') {
    return reply<AttachmentDto>(this.as(this.request().post('/api/attachments'), as).attach('file', data, { filename, contentType }));
  }

  /** The bytes of an attachment, as a Buffer whatever the type (`headers`: Range, If-Range …). */
  download(as: Caller, id: string, headers: Record<string, string> = {}) {
    return reply<Buffer>(
      this.as(this.request().get(`/api/attachments/${id}`), as)
        .set(headers)
        .buffer(true)
        .parse(binary),
    );
  }

  deleteAttachment(as: Caller, id: string) {
    return this.delete(`/api/attachments/${id}`, as);
  }

  // --- fixtures: they throw unless the service says yes ---

  async newUser(username = uniqueName(), password = PASSWORD): Promise<TestUser> {
    const { user, accessToken, refreshToken } = ok(await this.register({ username, password }), 201);
    return { id: user.id, username, password, accessToken, refreshToken, auth: bearer(accessToken) };
  }

  /** `n` new users, registered a few at a time (each registration hashes a password with argon2). */
  async newUsers(n: number): Promise<TestUser[]> {
    const users: TestUser[] = [];
    while (users.length < n) {
      const batch = Math.min(10, n - users.length);
      users.push(...(await Promise.all(Array.from({ length: batch }, () => this.newUser()))));
    }
    return users;
  }

  /** Another session (another device) of the user: its tokens. */
  async newSession(user: TestUser): Promise<AuthResponseDto> {
    return ok(await this.login({ username: user.username, password: user.password }), 200);
  }

  /** The direct chat of `a` and `b` (made now, or the one they have). */
  async newDirect(a: Caller, b: Id): Promise<ChatDetailDto> {
    return ok(await this.createChat(a, { type: 'direct', userId: idOf(b) }), 200, 201);
  }

  async newGroup(owner: Caller, members: Id[], title = 'group'): Promise<ChatDetailDto> {
    return ok(await this.createChat(owner, { type: 'group', title, memberIds: members.map(idOf) }), 201);
  }

  private as(req: request.Test, caller: Caller): request.Test {
    return caller ? req.set(caller.auth) : req;
  }

  private withBody(req: request.Test, body: unknown): request.Test {
    return body === undefined ? req : req.send(body as string | object);
  }
}

const VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/** supertest's methods of one verb each: every request they make is checked against openapi.json. */
export type CheckedAgent = Pick<ReturnType<typeof request>, (typeof VERBS)[number]>;

/**
 * supertest on `url`, with one more assertion on every request: the answer is one openapi.json
 * documents (openapi.ts). A mismatch rejects the request's promise, so the test that made it fails.
 */
export function checkedRequest(url: string): CheckedAgent {
  const agent = request(url);
  return Object.fromEntries(VERBS.map((verb) => [verb, (path: string) => agent[verb](path).expect(matchesOpenApi)])) as CheckedAgent;
}

function matchesOpenApi(res: request.Response): void {
  // superagent's answer keeps the Node request it answers: its method and path (with the query).
  const { method, path } = (res as unknown as { req: { method: string; path: string } }).req;
  openApi().validateResponse(method, path, res.status, res.headers, {
    text: res.text,
    body: res.body,
  });
}

/** A supertest parser that reads any body as raw bytes. */
function binary(res: unknown, done: (err: Error | null, body: Buffer) => void) {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** A new user of the service at `url`, for a spec that has only the URL (`Api.newUser` otherwise). */
export function registerUser(url: string, username?: string, password?: string): Promise<TestUser> {
  return new Api(url).newUser(username, password);
}
