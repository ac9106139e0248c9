import { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The character classes of src/search/search-text.ts (STRIPPED, SEPARATORS, UNSPACED), as this
 * migration wrote them into the functions: a migration is never edited, so they are copied here,
 * and a unit test (src/search/search-text.spec.ts) fails when the two part.
 */
export const STRIPPED_CLASS = String.raw`[\u00ad\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200d\u2060\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\U000e0000-\U000e007f\U000e0100-\U000e01ef]`;
export const SEPARATORS_CLASS = String.raw`[\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff\u3000-\u3004\u3008-\u303f\u30fb\ufe10-\ufe1f\ufe30-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff]`;
export const UNSPACED_CLASS = String.raw`[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007\u3040-\u30fa\u30fc-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]`;
/** WORD_MAX of search-text.ts. */
export const WORD_MAX_SQL = 64;

const GENERATED = `CASE WHEN "type" = 'text' THEN app_search_vector("chat_id", "text") END`;

/**
 * Message search (src/search): a generated tsvector on messages and a GIN index over it.
 *
 * - `app_search_fold(text)`: invisible characters and combining marks removed, unaccent, lower case.
 *   unaccent() is only STABLE (it reads its dictionary by name), so it is called here with the
 *   dictionary given explicitly, inside functions declared IMMUTABLE, which a generated column needs.
 * - `app_search_text(text)`: the folded words separated by one space; a run of a script written
 *   without spaces (Chinese, Japanese …) is a word of its own.
 * - `app_search_vector(chat_id, text)`: the lexemes of a message, each prefixed by the first 8 hex
 *   digits of its chat id ("1a2b3c4d:word"), so that a search looks up the postings of the caller's
 *   chats only (a word common in the whole service costs what it costs in the caller's chats); a
 *   word without spaces is indexed by its character pairs, the last character alone.
 * - `messages.search_vector`, generated from the text on every insert and edit (so an edit
 *   re-indexes), and `ix_messages_search`, partial: text messages not deleted for everyone (so a
 *   delete for everyone leaves the index at once).
 *
 * Works on PostgreSQL 13+ with the contrib extension unaccent (trusted: a database owner may create
 * it) and on embedded PGlite, which loads it (src/database/embedded-postgres.ts). On an existing
 * database the ADD COLUMN rewrites `messages` (about 90 s per million messages on the 2-core
 * development machine) under an exclusive lock.
 */
export class MessageSearch1795612000000 implements MigrationInterface {
  name = 'MessageSearch1795612000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    // Everything is schema-qualified, so that the functions work whatever the search_path (pg_dump
    // restores generated columns with an empty one); unaccent may live in another schema than ours.
    const [{ own, ext }] = (await queryRunner.query(
      `SELECT current_schema() AS own,
              (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent') AS ext`,
    )) as Array<{ own: string; ext: string }>;
    const s = `"${own}"`;
    const unaccent = (arg: string) => `"${ext}".unaccent('"${ext}".unaccent'::regdictionary, ${arg})`;
    // PL/pgSQL: its simple expressions are cached per session, several times cheaper per call than SQL functions here.
    await queryRunner.query(`
      CREATE FUNCTION ${s}.app_search_fold(text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      BEGIN
        RETURN pg_catalog.lower(${unaccent(`pg_catalog.regexp_replace($1, '${STRIPPED_CLASS}', '', 'g')`)});
      END
      $fn$`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.app_search_text(text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      BEGIN
        RETURN pg_catalog.btrim(pg_catalog.regexp_replace(
          pg_catalog.regexp_replace(${s}.app_search_fold($1), '(${UNSPACED_CLASS}+)', ' \\1 ', 'g'),
          '${SEPARATORS_CLASS}+', ' ', 'g'));
      END
      $fn$`);
    // Most messages take the first branch: no word without spaces and none over WORD_MAX, so every
    // word is one lexeme, keyed in one replace(); the loop handles the rest.
    await queryRunner.query(`
      CREATE FUNCTION ${s}.app_search_vector(uuid, text) RETURNS tsvector
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      DECLARE
        k text := pg_catalog.left($1::text, 8) || ':';
        words text := ${s}.app_search_text($2);
        lexemes text[] := '{}';
        w text;
      BEGIN
        IF words = '' THEN
          RETURN ''::tsvector;
        END IF;
        IF words !~ '${UNSPACED_CLASS}' AND words !~ '[^ ]{${WORD_MAX_SQL + 1}}' THEN
          RETURN pg_catalog.array_to_tsvector(pg_catalog.string_to_array(k || pg_catalog.replace(words, ' ', ' ' || k), ' '));
        END IF;
        FOREACH w IN ARRAY pg_catalog.string_to_array(words, ' ') LOOP
          IF w ~ '^${UNSPACED_CLASS}' THEN
            FOR i IN 1 .. pg_catalog.length(w) LOOP
              lexemes := lexemes || (k || pg_catalog.substr(w, i, 2));
            END LOOP;
          ELSE
            lexemes := lexemes || (k || pg_catalog.left(w, ${WORD_MAX_SQL}));
          END IF;
        END LOOP;
        RETURN pg_catalog.array_to_tsvector(lexemes);
      END
      $fn$`);
    await queryRunner.query(`ALTER TABLE "messages" ADD "search_vector" tsvector GENERATED ALWAYS AS (${GENERATED}) STORED`);
    // Where TypeORM keeps the expressions of generated columns, so that migration:generate sees no change.
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "typeorm_metadata" ("type" character varying NOT NULL, "database" character varying, "schema" character varying, "table" character varying, "name" character varying, "value" text)`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata" ("database", "schema", "table", "type", "name", "value")
       VALUES (current_database(), current_schema(), 'messages', 'GENERATED_COLUMN', 'search_vector', $1)`,
      [GENERATED],
    );
    await queryRunner.query(
      `CREATE INDEX "ix_messages_search" ON "messages" USING gin ("search_vector") WHERE "deleted_at" IS NULL AND "type" = 'text'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_messages_search"`);
    await queryRunner.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'messages' AND "name" = 'search_vector' AND "schema" = current_schema()`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "search_vector"`);
    await queryRunner.query(`DROP FUNCTION app_search_vector(uuid, text)`);
    await queryRunner.query(`DROP FUNCTION app_search_text(text)`);
    await queryRunner.query(`DROP FUNCTION app_search_fold(text)`);
    // The extension stays: other objects may have come to use it.
  }
}
