import { MigrationInterface, QueryRunner } from 'typeorm';

export class RepliesMentionsEditsMute1795610000000 implements MigrationInterface {
  name = 'RepliesMentionsEditsMute1795610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_edits" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "message_id" uuid NOT NULL, "text" text, "edited_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_38e8913cdc69c8908540910301c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_message_edits_message_id" ON "message_edits"  ("message_id", "id") `);
    await queryRunner.query(`ALTER TABLE "messages" ADD "reply_to_seq" integer`);
    await queryRunner.query(`ALTER TABLE "messages" ADD "mentions" uuid array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "chat_members" ADD "muted" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "chat_members" ADD "muted_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "ix_messages_mentioned" ON "messages"  ("chat_id", "seq") WHERE "mentions" <> '{}'`);
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "ck_messages_reply_to_seq" CHECK ("reply_to_seq" IS NULL OR "reply_to_seq" < "seq")`,
    );
    await queryRunner.query(`ALTER TABLE "chat_members" ADD CONSTRAINT "ck_chat_members_mute" CHECK ("muted" OR "muted_until" IS NULL)`);
    await queryRunner.query(
      `ALTER TABLE "message_edits" ADD CONSTRAINT "FK_e55266a1aace3c913e81bd129c5" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message_edits" DROP CONSTRAINT "FK_e55266a1aace3c913e81bd129c5"`);
    await queryRunner.query(`ALTER TABLE "chat_members" DROP CONSTRAINT "ck_chat_members_mute"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "ck_messages_reply_to_seq"`);
    await queryRunner.query(`DROP INDEX "public"."ix_messages_mentioned"`);
    await queryRunner.query(`ALTER TABLE "chat_members" DROP COLUMN "muted_until"`);
    await queryRunner.query(`ALTER TABLE "chat_members" DROP COLUMN "muted"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "mentions"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "reply_to_seq"`);
    await queryRunner.query(`DROP INDEX "public"."ix_message_edits_message_id"`);
    await queryRunner.query(`DROP TABLE "message_edits"`);
  }
}
