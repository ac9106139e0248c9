import { randomUUID } from 'node:crypto';
import { ok } from '../support/api';
import { useSockets } from '../support/sockets';
import { usePushSetup } from './support';

/**
 * Who gets a push and what it carries: every subscription of every other member whose session has
 * no connected socket; the payload decrypted by the test's own push service, with TTL, Urgency and
 * Topic as the contract says.
 */
describe('push notifications: who gets one, and what it carries', () => {
  const { api, push, device, subscribed, settled, directChat, svc } = usePushSetup();
  const sockets = useSockets({ afterEach: true });

  it('a member with no connected socket gets the message: the payload decrypts, TTL, Urgency high (direct chat), one Topic per chat', async () => {
    const { a, b, chatId } = await directChat();
    const sub = await subscribed(b);
    const first = ok(await api.send(a, chatId, { text: 'hello there' }), 201);
    const second = ok(await api.send(a, chatId, { text: 'second' }), 201);
    const [p1, p2] = await push.waitFor(sub, () => true, 2);
    expect(p1.payload).toEqual({
      type: 'message',
      chatId,
      seq: first.seq,
      messageId: first.id,
      chatTitle: null,
      senderName: a.username,
      text: 'hello there',
      mention: false,
    });
    expect(p2.payload).toMatchObject({ seq: second.seq, text: 'second' });
    // TTL: PUSH_TTL_SECONDS (default one day), less the moments the push waited.
    expect(p1.ttl).toBeLessThanOrEqual(86_400);
    expect(p1.ttl).toBeGreaterThan(86_400 - 60);
    expect(p1.urgency).toBe('high');
    expect(p1.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(p2.topic).toBe(p1.topic);
    // VAPID: signed for the push service's origin, with the default subject.
    expect(p1.claims).toMatchObject({ aud: push.origin, sub: 'mailto:admin@localhost' });
    await settled();
    expect(push.pushesTo(sub)).toHaveLength(2);
  });

  it('the outbox owes a message only while another member has a subscription: the sender’s own does not count', async () => {
    const { a, b, chatId } = await directChat();
    await subscribed(a);
    // Stored and looked at inside one transaction: the worker cannot take the rows before they are counted.
    const owed = async () => {
      const client = await svc.db.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO messages (chat_id, seq, sender_id, type, text)
           SELECT $1, last_seq + 1, $2, 'text', 'counted' FROM chats WHERE id = $1 RETURNING id`,
          [chatId, a.id],
        );
        const outbox = await client.query('SELECT 1 FROM push_outbox WHERE message_id = $1', [rows[0].id]);
        return outbox.rowCount;
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    expect(await owed()).toBe(0);
    await subscribed(b);
    expect(await owed()).toBe(1);
  });

  it('a session with a connected socket gets none; the same user’s other, offline session does; the sender’s devices get none', async () => {
    const { a, b, chatId } = await directChat();
    const [bOnline, bOffline] = [await device(b), await device(b)];
    const [subOnline, subOffline, subSender] = [await subscribed(bOnline), await subscribed(bOffline), await subscribed(a)];
    await sockets.open(svc, bOnline);
    const sent = ok(await api.send(a, chatId, { text: 'who hears this?' }), 201);
    await push.waitFor(subOffline, (p) => p.payload.messageId === sent.id);
    await settled();
    expect(push.pushesTo(subOnline)).toEqual([]);
    expect(push.pushesTo(subSender)).toEqual([]);
  });

  it('a group: the title, Urgency normal, a different Topic; a message without text says how many files it has; long text is cut to 200 code points', async () => {
    const [owner, b] = await api.newUsers(2);
    const group = await api.newGroup(owner, [b], 'Weekend plans');
    const direct = (await api.newDirect(owner, b)).id;
    const sub = await subscribed(b);
    const files = [
      ok(await api.upload(owner, Buffer.from('one'), 'a.txt', 'text/plain'), 201),
      ok(await api.upload(owner, Buffer.from('two'), 'b.txt', 'text/plain'), 201),
    ];
    const withFiles = ok(await api.send(owner, group.id, { attachmentIds: files.map((f) => f.id) }), 201);
    const long = `${'ё'.repeat(150)}${'🙂'.repeat(100)}`;
    const longOne = ok(await api.send(owner, group.id, { text: long }), 201);
    ok(await api.send(owner, direct, { text: 'elsewhere' }), 201);
    const pushes = await push.waitFor(sub, () => true, 3);
    const byId = new Map(pushes.map((p) => [p.payload.messageId, p]));
    expect(byId.get(withFiles.id)!.payload).toMatchObject({
      chatTitle: 'Weekend plans',
      senderName: owner.username,
      text: '📎 2 attachments',
    });
    expect(byId.get(withFiles.id)!.urgency).toBe('normal');
    expect(byId.get(longOne.id)!.payload.text).toBe(`${'ё'.repeat(150)}${'🙂'.repeat(50)}`);
    const other = pushes.find((p) => p.payload.chatId === direct)!;
    expect(other.topic).not.toBe(byId.get(withFiles.id)!.topic);
  });

  it('member_added: the added user gets the system message; the members already there get no push for it', async () => {
    const [owner, old, added] = await api.newUsers(3);
    const group = await api.newGroup(owner, [old], 'Club');
    const [subOld, subAdded] = [await subscribed(old), await subscribed(added)];
    ok(await api.addMembers(owner, group.id, [added]), 200);
    const [p] = await push.waitFor(subAdded);
    expect(p.payload).toMatchObject({
      type: 'message',
      chatId: group.id,
      chatTitle: 'Club',
      senderName: owner.username,
      text: `@${owner.username} added @${added.username}`,
      mention: false,
    });
    // Other system messages (the rename) notify nobody.
    ok(await api.rename(owner, group.id, 'Club 2'), 200);
    await settled();
    expect(push.pushesTo(subOld)).toEqual([]);
    expect(push.pushesTo(subAdded)).toHaveLength(1);
  });

  it('a member who has read past the message before its push goes out gets none (the push waited for a retry)', async () => {
    const { a, b, chatId } = await directChat();
    const sub = await subscribed(b);
    push.plan(sub, { status: 503, headers: { 'Retry-After': '3' } });
    const sent = ok(await api.send(a, chatId, { text: 'read it elsewhere' }), 201);
    await push.waitFor(sub, (p) => p.status === 503);
    ok(await api.read(b, chatId, { seq: sent.seq }), 204);
    await settled();
    expect(push.pushesTo(sub).map((p) => p.status)).toEqual([503]);
  });

  it('a message deleted for everyone before its push goes out is not pushed; an edit shows in a later attempt', async () => {
    const { a, b, chatId } = await directChat();
    const sub = await subscribed(b);
    push.plan(sub, { status: 500, headers: { 'Retry-After': '3' } }, { status: 500, headers: { 'Retry-After': '3' } });
    const gone = ok(await api.send(a, chatId, { text: 'oops' }), 201);
    const edited = ok(await api.send(a, chatId, { text: 'typo' }), 201);
    await push.waitFor(sub, (p) => p.status === 500, 2);
    ok(await api.deleteMessage(a, chatId, gone.seq, 'everyone'), 204);
    ok(await api.edit(a, chatId, edited.seq, { text: 'fixed' }), 200);
    const [delivered] = await push.waitFor(sub, (p) => p.status === 201);
    expect(delivered.payload).toMatchObject({ messageId: edited.id, text: 'fixed' });
    await settled();
    expect(
      push
        .pushesTo(sub)
        .filter((p) => p.payload.messageId === gone.id)
        .map((p) => p.status),
    ).toEqual([500]);
  });

  it('reading a chat on one device sends {type:"read"} to the user’s other devices (Urgency low, the chat’s Topic), not to the reading one', async () => {
    const { a, b, chatId } = await directChat();
    const [phone, laptop] = [await device(b), await device(b)];
    const [subPhone, subLaptop] = [await subscribed(phone), await subscribed(laptop)];
    const sent = ok(await api.send(a, chatId, { text: 'ping' }), 201);
    const [onPhone] = await push.waitFor(subPhone);
    await push.waitFor(subLaptop);
    // Read on the laptop, over its socket.
    const laptopSocket = await sockets.open(svc, laptop);
    expect(await laptopSocket.call('message:read', { chatId, seq: sent.seq })).toEqual({ ok: true, data: null });
    const [read] = await push.waitFor(subPhone, (p) => p.payload.type === 'read');
    expect(read.payload).toEqual({ type: 'read', chatId, seq: sent.seq });
    expect(read.urgency).toBe('low');
    expect(read.topic).toBe(onPhone.topic);
    await settled();
    expect(push.pushesTo(subLaptop).map((p) => p.payload.type)).toEqual(['message']);
    // A read that moves nothing sends nothing.
    ok(await api.read(phone, chatId, { seq: sent.seq }), 204);
    await settled();
    expect(push.pushesTo(subLaptop).map((p) => p.payload.type)).toEqual(['message']);
  });

  it('a retried send of the same clientId owes no second push', async () => {
    const { a, b, chatId } = await directChat();
    const sub = await subscribed(b);
    const clientId = randomUUID();
    ok(await api.send(a, chatId, { clientId, text: 'once' }), 201);
    ok(await api.send(a, chatId, { clientId, text: 'once' }), 200);
    await settled();
    expect(push.pushesTo(sub)).toHaveLength(1);
  });
});
