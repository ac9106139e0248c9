import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * A PGlite data directory made once, at build time (`npm run build` runs embedded-template-cli),
 * with every migration applied: a first start on an empty DATA_DIR copies it instead of running
 * initdb and the migrations (PGlite's initdb alone takes seconds). It is kept under
 * node_modules/.cache, keyed by the PGlite version and the migrations, so a new migration or a
 * PGlite upgrade makes a new one; without it (no build, another layout) a first start runs initdb.
 */
const CACHE_DIR = resolve(__dirname, '..', '..', '..', 'node_modules', '.cache', 'chat-service');
const MIGRATIONS_DIR = join(__dirname, 'migrations');
const KEPT_OTHER_TEMPLATES = 2;

/** What the template was made from: PGlite's version and the migrations' names and contents. */
function templateKey(): string {
  const hash = createHash('sha256');
  // Its package.json is not exported: found from the entry point, <package>/dist/index.*.
  const entry = require.resolve('@electric-sql/pglite');
  const pglite = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string };
  hash.update(pglite.version);
  for (const name of readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.js'))
    .sort()) {
    hash.update(name).update(readFileSync(join(MIGRATIONS_DIR, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where the template for this build lives (it may not exist yet). */
export function templatePath(): string {
  return join(CACHE_DIR, `pglite-${templateKey()}`);
}

/** Copies the template into `pgdata` when `pgdata` holds no database yet; whether it did. */
export function seedFromTemplate(pgdata: string): boolean {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return false;
  let template: string;
  try {
    template = templatePath();
  } catch {
    return false; // no compiled migrations next to this file: not a build
  }
  if (!existsSync(join(template, 'PG_VERSION'))) return false;
  cpSync(template, pgdata, { recursive: true });
  return true;
}

/**
 * Makes the template if this build has none: `make(dir)` creates a database under `dir/pgdata`
 * and applies the migrations. Written beside its final place and renamed, so that a build stopped
 * half-way leaves no half template.
 */
export async function ensureTemplate(make: (dataDir: string) => Promise<void>): Promise<{ path: string; made: boolean }> {
  const path = templatePath();
  if (existsSync(join(path, 'PG_VERSION'))) return { path, made: false };
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = `${path}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  try {
    await make(work);
    // Another build may have made it meanwhile: theirs stays (it may be being copied).
    if (!existsSync(path)) renameSync(join(work, 'pgdata'), path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Templates of other migrations or PGlite versions: the newest few stay (other checkouts sharing
  // node_modules may use them), older ones go.
  const others = readdirSync(CACHE_DIR)
    .filter((name) => /^pglite-[0-9a-f]+$/.test(name) && join(CACHE_DIR, name) !== path)
    .map((name) => ({ dir: join(CACHE_DIR, name), mtime: statSync(join(CACHE_DIR, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of others.slice(KEPT_OTHER_TEMPLATES)) rmSync(old.dir, { recursive: true, force: true });
  return { path, made: true };
}
