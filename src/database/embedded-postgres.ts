import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from '../common/free-port';
import { seedFromTemplate } from './embedded-template';

export interface EmbeddedPostgres {
  url: string;
  /** Whether this start copied the build's template into an empty DATA_DIR (see embedded-template.ts). */
  fromTemplate: boolean;
  stop(): Promise<void>;
}

/**
 * PGlite kept under DATA_DIR, served on loopback over the Postgres wire protocol so the same
 * `pg` driver and code path serve both modes. PGlite is single-connection: callers use a pool of one.
 */
export async function startEmbeddedPostgres(dataDir: string, { template = true } = {}): Promise<EmbeddedPostgres> {
  const dir = resolve(join(dataDir, 'pgdata'));
  mkdirSync(dir, { recursive: true });
  const fromTemplate = template && seedFromTemplate(dir);
  // Contrib extensions are loaded here; the migrations CREATE EXTENSION them (unaccent: message search).
  const db = await PGlite.create(dir, { extensions: { unaccent } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    fromTemplate,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
