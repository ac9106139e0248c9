import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795605099166 implements MigrationInterface {
  name = 'Initial1795605099166';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "attachments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "uploader_id" uuid NOT NULL, "filename" character varying(255) NOT NULL, "mime_type" character varying(127) NOT NULL, "size" bigint NOT NULL, "sha256" character(64) NOT NULL, "storage_key" character varying(255) NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "purged_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5e1f050bcff31e3084a1d662412" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_attachments_uploader_id" ON "attachments"  ("uploader_id") `);
    await queryRunner.query(
      `CREATE INDEX "ix_attachments_unused" ON "attachments"  ("created_at") WHERE "deleted_at" IS NULL AND "used_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "chats" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" character varying(10) NOT NULL, "title" character varying(100), "direct_key" character varying(73), "last_seq" integer NOT NULL DEFAULT '0', "member_count" integer NOT NULL DEFAULT '0', "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_chats_direct_key" CHECK (("type" = 'direct') = ("direct_key" IS NOT NULL)), CONSTRAINT "ck_chats_type" CHECK ("type" IN ('direct', 'group')), CONSTRAINT "PK_0117647b3c4a4e5ff198aeb6206" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_chats_direct_key" ON "chats"  ("direct_key") WHERE "direct_key" IS NOT NULL`);
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "chat_id" uuid NOT NULL, "seq" integer NOT NULL, "sender_id" uuid NOT NULL, "type" character varying(10) NOT NULL DEFAULT 'text', "text" text, "event" jsonb, "client_id" uuid, "forwarded_from_chat_id" uuid, "forwarded_from_seq" integer, "forwarded_from_sender_id" uuid, "edited_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_messages_seq" CHECK ("seq" > 0), CONSTRAINT "ck_messages_type" CHECK ("type" IN ('text', 'system')), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_messages_client_id" ON "messages"  ("chat_id", "sender_id", "client_id") WHERE "client_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_messages_chat_seq" ON "messages"  ("chat_id", "seq") `);
    await queryRunner.query(
      `CREATE TABLE "message_attachments" ("message_id" uuid NOT NULL, "attachment_id" uuid NOT NULL, "position" smallint NOT NULL, CONSTRAINT "PK_17a88b5467bba19d7b3e7d2519b" PRIMARY KEY ("message_id", "attachment_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_message_attachments_attachment_id" ON "message_attachments"  ("attachment_id") `);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(32) NOT NULL, "username_key" character varying(32) COLLATE "C" NOT NULL, "display_name" character varying(64) NOT NULL, "about" character varying(500) NOT NULL DEFAULT '', "password_hash" character varying(255) NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username_key" ON "users"  ("username_key") `);
    await queryRunner.query(
      `CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "refresh_token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sessions_user_id" ON "sessions"  ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "chat_members" ("chat_id" uuid NOT NULL, "user_id" uuid NOT NULL, "role" character varying(10) NOT NULL DEFAULT 'member', "joined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_seq" integer NOT NULL DEFAULT '0', "read_seq" integer NOT NULL DEFAULT '0', "cleared_seq" integer NOT NULL DEFAULT '0', "hidden" boolean NOT NULL DEFAULT false, "pinned_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_chat_members_role" CHECK ("role" IN ('owner', 'admin', 'member')), CONSTRAINT "PK_b4a04a57c87d984b806c95eac6d" PRIMARY KEY ("chat_id", "user_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_chat_members_user_id" ON "chat_members"  ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "message_hides" ("user_id" uuid NOT NULL, "chat_id" uuid NOT NULL, "seq" integer NOT NULL, CONSTRAINT "PK_2b14f7c2fd3b8b746d01829659c" PRIMARY KEY ("user_id", "chat_id", "seq"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "FK_7540635fef1922f0b156b9ef74f" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_attachments" ADD CONSTRAINT "FK_bf65c3db8657cef6197b68b8c88" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_attachments" ADD CONSTRAINT "FK_0ef0554da4e0685e32bb3272102" FOREIGN KEY ("attachment_id") REFERENCES "attachments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_members" ADD CONSTRAINT "FK_29ffb4b6edf59a7862129765339" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_members" ADD CONSTRAINT "FK_9dc61e92eed1dc151c2b2ef01a0" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_hides" ADD CONSTRAINT "FK_3b74d0fdbdfef1d55423a9abe14" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message_hides" DROP CONSTRAINT "FK_3b74d0fdbdfef1d55423a9abe14"`);
    await queryRunner.query(`ALTER TABLE "chat_members" DROP CONSTRAINT "FK_9dc61e92eed1dc151c2b2ef01a0"`);
    await queryRunner.query(`ALTER TABLE "chat_members" DROP CONSTRAINT "FK_29ffb4b6edf59a7862129765339"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"`);
    await queryRunner.query(`ALTER TABLE "message_attachments" DROP CONSTRAINT "FK_0ef0554da4e0685e32bb3272102"`);
    await queryRunner.query(`ALTER TABLE "message_attachments" DROP CONSTRAINT "FK_bf65c3db8657cef6197b68b8c88"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "FK_7540635fef1922f0b156b9ef74f"`);
    await queryRunner.query(`DROP TABLE "message_hides"`);
    await queryRunner.query(`DROP INDEX "public"."ix_chat_members_user_id"`);
    await queryRunner.query(`DROP TABLE "chat_members"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sessions_user_id"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "public"."uq_users_username_key"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."ix_message_attachments_attachment_id"`);
    await queryRunner.query(`DROP TABLE "message_attachments"`);
    await queryRunner.query(`DROP INDEX "public"."uq_messages_chat_seq"`);
    await queryRunner.query(`DROP INDEX "public"."uq_messages_client_id"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."uq_chats_direct_key"`);
    await queryRunner.query(`DROP TABLE "chats"`);
    await queryRunner.query(`DROP INDEX "public"."ix_attachments_unused"`);
    await queryRunner.query(`DROP INDEX "public"."ix_attachments_uploader_id"`);
    await queryRunner.query(`DROP TABLE "attachments"`);
  }
}
