import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager, EntityTarget, ObjectLiteral, QueryFailedError, SelectQueryBuilder } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { entityFromRow } from './raw-rows';

/**
 * Statement names by text. The texts are the templates of the repositories (a few dozen), so the map
 * stays small; past MAX_NAMED a text runs unnamed, as TypeORM's `query` runs everything.
 */
const names = new Map<string, string>();
const MAX_NAMED = 500;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * `manager.query(text, values)` as a named prepared statement: each pooled connection parses the text
 * once, and PostgreSQL keeps its plan (a generic one after five runs, when that costs no more than
 * the custom ones). TypeORM sends every statement unnamed, so PostgreSQL parses and plans it on every
 * call: for the chat list's page that was 3–7 ms of its 10 (parse and bind in the server log), more
 * than the execution. For the hot reads, whose texts are fixed templates.
 *
 * Runs on the manager's own connection inside a transaction, else on its data source's pool (the
 * primary's or a replica's). Errors come back as TypeORM's `QueryFailedError`, as from `query`.
 */
export async function preparedQuery<T>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const config: QueryConfig = { name: nameOf(text), text, values };
  const runner = manager.queryRunner;
  try {
    if (runner && !runner.isReleased) {
      const client = (await runner.connect()) as PoolClient;
      return (await client.query(config)).rows as T[];
    }
    const pool = (manager.connection.driver as PostgresDriver).master as Pool;
    return (await pool.query(config)).rows as T[];
  } catch (err) {
    throw err instanceof Error && !(err instanceof QueryFailedError) ? new QueryFailedError(text, values, err) : err;
  }
}

/** The raw rows of a query builder's SQL, run as a named prepared statement (see `preparedQuery`). */
export function preparedRows(manager: EntityManager, qb: SelectQueryBuilder<ObjectLiteral>): Promise<Array<Record<string, unknown>>> {
  const [text, values] = qb.getQueryAndParameters();
  return preparedQuery<Record<string, unknown>>(manager, text, values);
}

/**
 * SQL texts by the shape of the statement that made them (the caller's key: a template whose
 * structure is fixed, only its parameter values vary). Building a query builder's SQL walks
 * TypeORM's metadata each time (a fifth of a history request's CPU); a hot read builds it once.
 */
const templates = new Map<string, string>();

/** `build()`'s SQL text (with `:name` parameters), built on the first call for `shape` only. */
export function sqlTemplate(shape: string, build: () => string): string {
  let text = templates.get(shape);
  if (text === undefined) {
    text = build();
    templates.set(shape, text);
  }
  return text;
}

/** A text with `:name` parameters (`sqlTemplate`) run as a named prepared statement with these values. */
export function preparedNamed<T>(manager: EntityManager, text: string, params: Record<string, unknown>): Promise<T[]> {
  const [sql, values] = manager.connection.driver.escapeQueryWithParameters(text, params);
  return preparedQuery<T>(manager, sql, values);
}

/**
 * What `qb.getMany()` gives for a query builder of one entity without joins (its columns under
 * `<alias>_<column>`), run as a named prepared statement.
 */
export async function preparedMany<T extends ObjectLiteral>(manager: EntityManager, qb: SelectQueryBuilder<T>): Promise<T[]> {
  const { name, target } = qb.expressionMap.mainAlias!;
  const rows = await preparedRows(manager, qb);
  return rows.map((row) => entityFromRow(manager, target as EntityTarget<T>, row, `${name}_`));
}
