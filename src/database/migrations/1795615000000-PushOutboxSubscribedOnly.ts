import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The push outbox records a text message only when another member of its chat has a push
 * subscription when it is stored. Before, every text message got a row, and the worker claimed,
 * expanded and deleted each one to find nobody to push: with no subscriber anywhere that was a third
 * of PostgreSQL's CPU on the send path (0.29 of a core at 2,000 msgs/s). A subscription made after a
 * message was stored never pushed that message anyway in any useful sense: the message predates it.
 * The check is one probe of `push_subscriptions` (by `user_id`) per member of each stored chat.
 * `member_added` messages stay unfiltered (rare, and the added users are what the worker reads).
 */
export class PushOutboxSubscribedOnly1795615000000 implements MigrationInterface {
  name = 'PushOutboxSubscribedOnly1795615000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION push_outbox_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO push_outbox (message_id, chat_id, seq)
        SELECT m.id, m.chat_id, m.seq FROM stored_messages m
         WHERE (m.type = 'text' AND EXISTS (
                  SELECT 1 FROM chat_members cm JOIN push_subscriptions s ON s.user_id = cm.user_id
                   WHERE cm.chat_id = m.chat_id AND cm.user_id <> m.sender_id))
            OR (m.type = 'system' AND m.event->>'kind' = 'member_added');
        RETURN NULL;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION push_outbox_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO push_outbox (message_id, chat_id, seq)
        SELECT id, chat_id, seq FROM stored_messages
         WHERE type = 'text' OR (type = 'system' AND event->>'kind' = 'member_added');
        RETURN NULL;
      END
      $$`);
  }
}
