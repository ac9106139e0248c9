import request from 'supertest';
import { randomUUID } from 'node:crypto';

export interface TestUser {
  id: string;
  username: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

let counter = 0;

export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}${randomUUID().slice(0, 4)}`.slice(0, 32);
}

export async function registerUser(url: string, username = uniqueName(), password = 'correct horse'): Promise<TestUser> {
  const res = await request(url).post('/api/auth/register').send({ username, password });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    username,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    auth: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}

export async function registerUsers(url: string, n: number): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < n; i++) users.push(await registerUser(url));
  return users;
}

/** Asserts the contract's error body and returns it. */
export function expectError(res: request.Response, status: number, code: string) {
  if (res.status !== status || res.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  expect(typeof res.body.message).toBe('string');
  expect(res.body.statusCode).toBe(status);
  return res.body;
}
