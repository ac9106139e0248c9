import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

// Any constant shared by every instance of this service.
const MIGRATION_LOCK_KEY = 72_104_116;

/** Runs pending migrations; an advisory lock keeps two instances from migrating at once. */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<void> {
  const logger = new Logger('Migrations');
  // The embedded database has one connection and one process: nothing to race with.
  if (embedded) {
    await logMigrations(logger, dataSource);
    return;
  }
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await logMigrations(logger, dataSource);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockRunner.release();
  }
}

async function logMigrations(logger: Logger, dataSource: DataSource) {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  if (applied.length) logger.log(`applied ${applied.map((m) => m.name).join(', ')}`);
}
