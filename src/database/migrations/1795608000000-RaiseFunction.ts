import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * app_raise(code, message): raises an error from inside a statement, so a rule checked in the
 * middle of a data-modifying statement (e.g. "the sender is still a member, under the chat's lock")
 * aborts the whole statement and none of its changes stay.
 */
export class RaiseFunction1795608000000 implements MigrationInterface {
  name = 'RaiseFunction1795608000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION app_raise(code text, message text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION app_raise(text, text)`);
  }
}
