import { MigrationInterface, QueryRunner } from 'typeorm';

export class AttachmentsPurgeIndex1795607207179 implements MigrationInterface {
  name = 'AttachmentsPurgeIndex1795607207179';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_attachments_purge" ON "attachments"  ("deleted_at") WHERE "deleted_at" IS NOT NULL AND "purged_at" IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_attachments_purge"`);
  }
}
