import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Maps a row of a raw query (columns under their database names, optionally prefixed) to an
 * entity through TypeORM's metadata and driver, as its own queries do: a renamed column or a
 * changed type is then one edit in the entity, not a hand-written mapping that breaks at run time.
 * Columns the row lacks stay unset.
 */
export function entityFromRow<T extends ObjectLiteral>(
  source: DataSource | EntityManager,
  entity: EntityTarget<T>,
  row: Record<string, unknown>,
  prefix = '',
): T {
  const dataSource = source instanceof DataSource ? source : source.connection;
  const metadata = dataSource.getMetadata(entity);
  const result = metadata.create() as T;
  for (const column of metadata.columns) {
    const key = prefix + column.databaseName;
    if (key in row) column.setEntityValue(result, dataSource.driver.prepareHydratedValue(row[key], column));
  }
  return result;
}
