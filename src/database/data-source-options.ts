import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/** One definition for the app and for the migration CLI (ormconfig.ts). */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [join(__dirname, 'migrations', '*.js')],
    migrationsTableName: 'migrations',
    // gen_random_uuid() is built into PostgreSQL 13+ (and PGlite): no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      // A request waiting for a connection while the database is down fails fast (503), not forever.
      connectionTimeoutMillis: 5000,
      // One statement never holds a connection longer than this.
      statement_timeout: 15000,
      // No JIT: the service's statements are short index walks, and past its cost threshold PostgreSQL
      // spent ≈ 30 ms compiling a 4 ms search (the Chinese substring query, bench/results/*-search-jit-off.md).
      options: '-c jit=off',
    },
  };
}
