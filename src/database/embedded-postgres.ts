import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EmbeddedWorkerData, EmbeddedWorkerMessage } from './embedded-postgres.worker';

export interface EmbeddedPostgres {
  url: string;
  /** Whether this start copied the build's template into an empty DATA_DIR (see embedded-template.ts). */
  fromTemplate: boolean;
  stop(): Promise<void>;
}

/**
 * PGlite kept under DATA_DIR, served on loopback over the Postgres wire protocol so the same
 * `pg` driver and code path serve both modes. PGlite is single-connection: callers use a pool of one.
 * It runs on a worker thread (embedded-postgres.worker.ts): the service's own thread loads its
 * modules meanwhile and never waits for a statement's execution. `onFailure` is called if the
 * database stops by itself after starting (the service cannot go on without it).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  { template = true, onFailure }: { template?: boolean; onFailure?: (err: Error) => void } = {},
): Promise<EmbeddedPostgres> {
  const dir = resolve(join(dataDir, 'pgdata'));
  mkdirSync(dir, { recursive: true });
  // Made before the first await: the caller's thread may be busy (loading modules) right after.
  const worker = new Worker(join(__dirname, 'embedded-postgres.worker.js'), { workerData: { dir, template } satisfies EmbeddedWorkerData });
  const { port, fromTemplate } = await new Promise<{ port: number; fromTemplate: boolean }>((started, failed) => {
    worker.once('message', (m: EmbeddedWorkerMessage) => ('started' in m ? started(m) : failed(new Error('unexpected message'))));
    worker.once('error', failed);
    worker.once('exit', (code) => failed(new Error(`embedded PostgreSQL exited with code ${code} while starting`)));
  });
  worker.removeAllListeners();
  let stopping = false;
  const failure = (err: Error) => {
    if (!stopping) onFailure?.(err);
  };
  worker.on('error', failure);
  worker.on('exit', (code) => failure(new Error(`embedded PostgreSQL exited with code ${code}`)));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    fromTemplate,
    async stop() {
      stopping = true;
      const stopped = new Promise<void>((done, failed) => {
        worker.once('message', () => done());
        worker.once('error', failed);
        worker.once('exit', () => done());
      });
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}
