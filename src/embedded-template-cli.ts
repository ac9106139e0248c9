import { DataSource } from 'typeorm';
import { dataSourceOptions } from './database/data-source-options';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { ensureTemplate } from './database/embedded-template';
import { runMigrations } from './database/migrate';

/** `npm run build` ends here: makes the embedded database template if this build has none. */
async function main() {
  const started = Date.now();
  const { path, made } = await ensureTemplate(async (dataDir) => {
    const embedded = await startEmbeddedPostgres(dataDir, { template: false });
    try {
      const dataSource = await new DataSource(dataSourceOptions(embedded.url, 1)).initialize();
      await runMigrations(dataSource, true);
      await dataSource.destroy();
    } finally {
      await embedded.stop();
    }
  });
  if (made) console.log(`embedded database template: ${path} (${Date.now() - started} ms)`);
}

main().catch((err: Error) => {
  // No template is not fatal: a first start then runs initdb and the migrations itself.
  console.error(`embedded database template not made: ${err.stack ?? err.message}`);
});
