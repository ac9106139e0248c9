import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

// The data source the TypeORM migration CLI uses (`npm run migration:generate -- src/database/migrations/Name`).
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'));
