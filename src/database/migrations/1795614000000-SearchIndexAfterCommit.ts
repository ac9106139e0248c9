import { MigrationInterface, QueryRunner } from 'typeorm';

const GENERATED = `CASE WHEN "type" = 'text' THEN app_search_vector("chat_id", "text") END`;

/**
 * Search indexes after the commit (src/search/search-indexer.ts), off the send's statement: the
 * generated `messages.search_vector` and its GIN index cost the send path 15–33 % of its rate.
 *
 * - `message_search`: the vector of each text message not deleted for everyone, with its time (the
 *   search order) so that candidates need no row of `messages`; GIN over the vector. Written by the
 *   indexer only. A row follows its message's deletion (the foreign key cascades).
 * - `message_search_queue`: what the index still owes: a row per new text message (written by the
 *   send's statement), per edit and per delete for everyone (by theirs), keyed by the time of the
 *   change so that a change committed while the indexer works on an earlier one of the same message
 *   gets its own row and is not lost. A search matches the caller's queued messages on the fly.
 *
 * The vectors already computed move over (no recomputation); then the generated column, its
 * typeorm_metadata row and its index go (dropping a generated column rewrites nothing).
 */
export class SearchIndexAfterCommit1795614000000 implements MigrationInterface {
  name = 'SearchIndexAfterCommit1795614000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_search" ("chat_id" uuid NOT NULL, "seq" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         "vector" tsvector NOT NULL, CONSTRAINT "PK_message_search" PRIMARY KEY ("chat_id", "seq"),
         CONSTRAINT "FK_message_search_message" FOREIGN KEY ("chat_id", "seq") REFERENCES "messages" ("chat_id", "seq") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "message_search_queue" ("chat_id" uuid NOT NULL, "seq" integer NOT NULL, "marked_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         CONSTRAINT "PK_message_search_queue" PRIMARY KEY ("chat_id", "seq", "marked_at"))`,
    );
    await queryRunner.query(
      `INSERT INTO "message_search" ("chat_id", "seq", "created_at", "vector")
       SELECT "chat_id", "seq", "created_at", "search_vector" FROM "messages"
        WHERE "type" = 'text' AND "deleted_at" IS NULL AND "search_vector" IS NOT NULL`,
    );
    // Built after the rows are in: one sort instead of an insert per row.
    await queryRunner.query(`CREATE INDEX "ix_message_search_vector" ON "message_search" USING gin ("vector")`);
    await queryRunner.query(`DROP INDEX "ix_messages_search"`);
    await queryRunner.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'messages' AND "name" = 'search_vector' AND "schema" = current_schema()`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "search_vector"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" ADD "search_vector" tsvector GENERATED ALWAYS AS (${GENERATED}) STORED`);
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata" ("database", "schema", "table", "type", "name", "value")
       VALUES (current_database(), current_schema(), 'messages', 'GENERATED_COLUMN', 'search_vector', $1)`,
      [GENERATED],
    );
    await queryRunner.query(
      `CREATE INDEX "ix_messages_search" ON "messages" USING gin ("search_vector") WHERE "deleted_at" IS NULL AND "type" = 'text'`,
    );
    await queryRunner.query(`DROP TABLE "message_search_queue"`);
    await queryRunner.query(`DROP TABLE "message_search"`);
  }
}
