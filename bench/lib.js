'use strict';
// Shared pieces of the benchmark: starting the built service, seeding, measuring.
const { spawn } = require('node:child_process');
const { createHmac, randomUUID } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client, Pool } = require('pg');
// The built service's own helper (npm run bench builds first).
const { freePort } = require('../dist/src/common/free-port');

const ROOT = join(__dirname, '..');
const PG_ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const CLK_TCK = 100; // Linux USER_HZ

async function createDatabase() {
  const name = `bench_${Date.now().toString(36)}`;
  const admin = new Client(PG_ADMIN_URL);
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(dbUrl) {
  const admin = new Client(PG_ADMIN_URL);
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${new URL(dbUrl).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
}

async function waitForHealth(url, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} not healthy in ${timeoutMs} ms`);
}

/** Starts a node script (the service or the relay) and waits for /health. */
async function startProcess(script, env, args = []) {
  const port = await freePort();
  const started = Date.now();
  const proc = spawn(process.execPath, [...args, script], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
      SEND_RATE_PER_SECOND: '0',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, 60000, proc);
  return {
    url,
    proc,
    startMs: Date.now() - started,
    stop: () =>
      new Promise((ok) => {
        if (proc.exitCode !== null) return ok();
        proc.once('exit', () => ok());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 10000).unref();
      }),
  };
}

/** BENCH_SERVICE_ENV="NAME=value NAME=value": settings for the service under test (SEND_STATEMENTS_IN_FLIGHT=2, say). */
function serviceEnv() {
  const pairs = (process.env.BENCH_SERVICE_ENV || '').split(' ').filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** BENCH_SERVICE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the service. */
function startService(env) {
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS || '').split(' ').filter(Boolean);
  return startProcess(join(ROOT, 'dist', 'src', 'main.js'), { ...env, ...serviceEnv() }, nodeArgs);
}

/** CPU seconds (user+system) and RSS of a process, from /proc. */
function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
}

/**
 * CPU seconds (user+system) of each PostgreSQL process that works for `dbName`, by pid: its backends
 * (the database's name is in their process title) and the server's background processes
 * (checkpointer, WAL writer …). Other databases' backends on the same server (other test runs) are
 * left out. Without `dbName`, every process whose comm is `postgres`.
 */
function postgresProcessCpu(dbName) {
  const cpu = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      if (dbName) {
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const background = !title.includes('(') && !/autovacuum worker|parallel worker/.test(title);
        if (!background && !title.split(' ').includes(dbName)) continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(entry, (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // the process ended meanwhile
    }
  }
  return cpu;
}

/**
 * PostgreSQL's CPU from now on: `sample()` (at most every 250 ms; call it often) keeps each process's
 * latest figure, so a backend or autovacuum worker that exits before `seconds()` still counts up to
 * its last sample; a process that started meanwhile counts from zero.
 */
function postgresCpuMeter(dbName) {
  const first = postgresProcessCpu(dbName);
  const last = new Map(first);
  let sampledAt = Date.now();
  const sample = (force = false) => {
    if (!force && Date.now() - sampledAt < 250) return;
    sampledAt = Date.now();
    for (const [pid, cpu] of postgresProcessCpu(dbName)) {
      if (!first.has(pid)) first.set(pid, 0);
      last.set(pid, cpu);
    }
  };
  const seconds = () => {
    sample(true);
    let sum = 0;
    for (const [pid, cpu] of last) sum += cpu - first.get(pid);
    return sum;
  };
  return { sample, seconds };
}

/** CPU seconds (user+system) of this process: the load driver's own cost. */
function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An HS256 access token like the service signs: { sub: userId, sid: sessionId }. */
function signAccessToken(userId, sessionId) {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: userId, sid: sessionId, iat: now, exp: now + 6 * 3600 })}`;
  return `${head}.${createHmac('sha256', JWT_SECRET).update(head).digest('base64url')}`;
}

/**
 * Users with a live session each, inserted straight into the database (registering thousands
 * through argon2 would measure the password hash, not the chat).
 */
async function seedUsers(db, n, prefix = 'b') {
  const users = [];
  for (let i = 0; i < n; i++)
    users.push({ id: randomUUID(), sessionId: randomUUID(), username: `${prefix}${i}_${Date.now().toString(36)}`.slice(0, 32) });
  for (let i = 0; i < users.length; i += 1000) {
    const chunk = users.slice(i, i + 1000);
    await db.query(
      `INSERT INTO users (id, username, username_key, display_name, password_hash)
       SELECT id, u, lower(u), u, 'seeded' FROM unnest($1::uuid[], $2::text[]) AS t(id, u)`,
      [chunk.map((u) => u.id), chunk.map((u) => u.username)],
    );
    await db.query(
      `INSERT INTO sessions (id, user_id, refresh_token_hash, expires_at)
       SELECT sid, uid, repeat('0', 64), now() + interval '1 day' FROM unnest($1::uuid[], $2::uuid[]) AS t(sid, uid)`,
      [chunk.map((u) => u.sessionId), chunk.map((u) => u.id)],
    );
  }
  for (const u of users) u.token = signAccessToken(u.id, u.sessionId);
  return users;
}

/** A chat with members, inserted straight into the database. */
async function seedChat(db, type, members) {
  const id = randomUUID();
  const directKey =
    type === 'direct'
      ? members
          .map((m) => m.id)
          .sort()
          .join(':')
      : null;
  await db.query(`INSERT INTO chats (id, type, title, direct_key, member_count, created_by) VALUES ($1, $2, $3, $4, $5, $6)`, [
    id,
    type,
    type === 'group' ? 'bench group' : null,
    directKey,
    members.length,
    members[0].id,
  ]);
  await db.query(
    `INSERT INTO chat_members (chat_id, user_id, role) SELECT $1, uid, CASE WHEN ord = 1 THEN $3 ELSE 'member' END
       FROM unnest($2::uuid[]) WITH ORDINALITY AS t(uid, ord)`,
    [id, members.map((m) => m.id), type === 'group' ? 'owner' : 'member'],
  );
  return id;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return { n: sorted.length, p50: r(percentile(sorted, 50)), p99: r(percentile(sorted, 99)), max: r(sorted.at(-1) ?? null) };
}

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function newPool(url, max = 10) {
  return new Pool({ connectionString: url, max });
}

module.exports = {
  ROOT,
  JWT_SECRET,
  createDatabase,
  dropDatabase,
  startProcess,
  startService,
  procStats,
  postgresCpuMeter,
  ownCpuSeconds,
  seedUsers,
  seedChat,
  summarize,
  nowMs,
  sleep,
  newPool,
  freePort,
  waitForHealth,
  signAccessToken,
};
