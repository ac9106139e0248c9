import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Push notifications: subscriptions per session, the outbox, deliveries and the VAPID key pair; and
 * the trigger that records, in the commit of every statement that stores messages, what those
 * messages owe (one outbox row per message that can notify: text or attachments, and `member_added`
 * system messages). One statement-level trigger with a transition table: a batch of sends costs one
 * INSERT … SELECT, and the send itself stays one statement (MessagesRepository.allocateAndInsert).
 */
export class PushNotifications1795613000000 implements MigrationInterface {
  name = 'PushNotifications1795613000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "push_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "session_id" uuid NOT NULL, "endpoint" text NOT NULL, "p256dh" character varying(100) NOT NULL, "auth" character varying(50) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_757fc8f00c34f66832668dc2e53" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_push_subscriptions_user_id" ON "push_subscriptions"  ("user_id") `);
    await queryRunner.query(`CREATE INDEX "ix_push_subscriptions_session_id" ON "push_subscriptions"  ("session_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_push_subscriptions_endpoint" ON "push_subscriptions"  ("endpoint") `);
    await queryRunner.query(
      `CREATE TABLE "push_deliveries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "subscription_id" uuid NOT NULL, "kind" character varying(10) NOT NULL, "chat_id" uuid NOT NULL, "seq" integer NOT NULL, "message_id" uuid, "mention" boolean NOT NULL DEFAULT false, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_error" character varying(200), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_push_deliveries_kind" CHECK ("kind" IN ('message', 'read') AND ("kind" = 'read') = ("message_id" IS NULL)), CONSTRAINT "PK_5ce22daf7289b2e540fbe06f38e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_push_deliveries_subscription_id" ON "push_deliveries"  ("subscription_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_push_deliveries_message" ON "push_deliveries"  ("subscription_id", "message_id") WHERE "message_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "ix_push_deliveries_due" ON "push_deliveries"  ("next_attempt_at") `);
    await queryRunner.query(
      `CREATE TABLE "push_outbox" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "message_id" uuid NOT NULL, "chat_id" uuid NOT NULL, "seq" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2eeb678cf47580cba9958e29fe7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "push_vapid_keys" ("id" smallint NOT NULL DEFAULT '1', "public_key" character varying(100) NOT NULL, "private_key" character varying(100) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_push_vapid_keys_one" CHECK ("id" = 1), CONSTRAINT "PK_edebb8fe84a2640242fbe6cfc52" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "push_subscriptions" ADD CONSTRAINT "FK_6771f119f1c06d2ccf38f238664" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "push_subscriptions" ADD CONSTRAINT "FK_d1de1cf3978af9932b61f122913" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "push_deliveries" ADD CONSTRAINT "FK_936fb25a729e42032d057d8b514" FOREIGN KEY ("subscription_id") REFERENCES "push_subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`
          CREATE FUNCTION push_outbox_record() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            INSERT INTO push_outbox (message_id, chat_id, seq)
            SELECT id, chat_id, seq FROM stored_messages
             WHERE type = 'text' OR (type = 'system' AND event->>'kind' = 'member_added');
            RETURN NULL;
          END
          $$`);
    await queryRunner.query(
      `CREATE TRIGGER messages_push_outbox AFTER INSERT ON messages REFERENCING NEW TABLE AS stored_messages
             FOR EACH STATEMENT EXECUTE FUNCTION push_outbox_record()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER messages_push_outbox ON messages`);
    await queryRunner.query(`DROP FUNCTION push_outbox_record()`);
    await queryRunner.query(`ALTER TABLE "push_deliveries" DROP CONSTRAINT "FK_936fb25a729e42032d057d8b514"`);
    await queryRunner.query(`ALTER TABLE "push_subscriptions" DROP CONSTRAINT "FK_d1de1cf3978af9932b61f122913"`);
    await queryRunner.query(`ALTER TABLE "push_subscriptions" DROP CONSTRAINT "FK_6771f119f1c06d2ccf38f238664"`);
    await queryRunner.query(`DROP TABLE "push_vapid_keys"`);
    await queryRunner.query(`DROP TABLE "push_outbox"`);
    await queryRunner.query(`DROP INDEX "public"."ix_push_deliveries_due"`);
    await queryRunner.query(`DROP INDEX "public"."uq_push_deliveries_message"`);
    await queryRunner.query(`DROP INDEX "public"."ix_push_deliveries_subscription_id"`);
    await queryRunner.query(`DROP TABLE "push_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."uq_push_subscriptions_endpoint"`);
    await queryRunner.query(`DROP INDEX "public"."ix_push_subscriptions_session_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_push_subscriptions_user_id"`);
    await queryRunner.query(`DROP TABLE "push_subscriptions"`);
  }
}
