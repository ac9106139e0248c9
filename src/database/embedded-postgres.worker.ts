import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from '../common/free-port';
import { seedFromTemplate } from './embedded-template';

/** What src/database/embedded-postgres.ts starts this worker with. */
export interface EmbeddedWorkerData {
  /** The PGlite data directory (DATA_DIR/pgdata), made already. */
  dir: string;
  /** Copy the build's template into an empty `dir` first (embedded-template.ts). */
  template: boolean;
}

/** The worker's messages: started (and whether from the template), then stopped once told to stop. */
export type EmbeddedWorkerMessage = { started: true; port: number; fromTemplate: boolean } | { stopped: true };

/**
 * PGlite and its wire-protocol server on a thread of their own: PostgreSQL compiled to WebAssembly
 * runs each statement synchronously, so on the service's own thread every query stopped the event
 * loop for its whole execution, and its start-up (a second) could not overlap the loading of the
 * service's modules. Any message from the parent means stop.
 * The service's thread is busy loading modules meanwhile, so the port is chosen here.
 */
async function run({ dir, template }: EmbeddedWorkerData): Promise<void> {
  const fromTemplate = template && seedFromTemplate(dir);
  // Contrib extensions are loaded here; the migrations CREATE EXTENSION them (unaccent: message search).
  const db = await PGlite.create(dir, { extensions: { unaccent } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
  await server.start();
  const port_ = parentPort!;
  port_.once('message', () => {
    void (async () => {
      await server.stop();
      await db.close();
      port_.postMessage({ stopped: true } satisfies EmbeddedWorkerMessage);
    })();
  });
  port_.postMessage({ started: true, port, fromTemplate } satisfies EmbeddedWorkerMessage);
}

// A failure is an unhandled rejection: it ends the worker, and reaches the parent as its 'error' event.
void run(workerData as EmbeddedWorkerData);
