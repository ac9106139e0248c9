import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh rotation with a safe retry (see Session): the previous refresh token's hash, kept until the
 * newest pair is first used, and the rotation count that access tokens carry. Existing sessions start
 * at generation 0 with nothing pending, as if their pair had been used (their access tokens carry no
 * `gen` and never need to confirm anything).
 */
export class RefreshRetry1795609000000 implements MigrationInterface {
  name = 'RefreshRetry1795609000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD "previous_refresh_token_hash" character(64)`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD "refresh_generation" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "refresh_generation"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "previous_refresh_token_hash"`);
  }
}
