import { randomUUID } from 'node:crypto';
import { ok, TestUser } from '../support/api';
import { useService } from '../support/service';
import { TestSocket, useSockets } from '../support/sockets';
import { idsOf, searchBoth } from './search.support';

/**
 * Search shows only what the caller may see now, through the one visibility rule, on both
 * transports: never a chat the caller is not (or no longer) a member of, a message deleted for
 * everyone, deleted for the caller, or before the caller's dialog cut-off; the same after the
 * message is edited (an edit re-indexes it: the new words are found, the old ones no more).
 */
describe('search: only what the caller can see', () => {
  const svc = useService();
  const { api } = svc;
  const sockets = useSockets();

  /** A word no other message has, so that a search for it finds one message at most. */
  const word = () => `w${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  async function finds(user: TestUser, q: string, socket?: TestSocket): Promise<string[]> {
    return idsOf(await searchBoth(api, user, socket ?? (await sockets.open(svc, user)), { q }));
  }

  /**
   * The message with `before` is found by `control` and not by `caller`; after its sender edits it
   * to hold `after` instead, `control` finds it by the new word only and `caller` by neither.
   */
  async function hiddenBeforeAndAfterEdit(opts: {
    caller: TestUser;
    control: TestUser | null;
    sender: TestUser;
    chatId: string;
    messageId: string;
    seq: number;
    before: string;
  }) {
    const { caller, control, sender, chatId, messageId, seq, before } = opts;
    if (control) expect(await finds(control, before)).toEqual([messageId]);
    expect(await finds(caller, before)).toEqual([]);
    const after = word();
    const edited = await api.edit(sender, chatId, seq, { text: `edited ${after}` });
    if (control) {
      expect(edited.status).toBe(200);
      expect(await finds(control, after)).toEqual([messageId]);
      expect(await finds(control, before)).toEqual([]);
    }
    expect(await finds(caller, after)).toEqual([]);
    expect(await finds(caller, before)).toEqual([]);
  }

  it('an edit re-indexes: the new text is found, the old one no more', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const [w1, w2] = [word(), word()];
    const m = ok(await api.send(a, chatId, { text: `first ${w1}` }), 201);
    expect(await finds(b, w1)).toEqual([m.id]);
    ok(await api.edit(a, chatId, m.seq, { text: `second ${w2}` }), 200);
    expect(await finds(b, w1)).toEqual([]);
    expect(await finds(b, w2)).toEqual([m.id]);
  });

  it('never a chat the caller is not a member of', async () => {
    const [a, b, outsider] = await api.newUsers(3);
    const chatId = (await api.newDirect(a, b)).id;
    const before = word();
    const m = ok(await api.send(a, chatId, { text: `secret ${before}` }), 201);
    await hiddenBeforeAndAfterEdit({ caller: outsider, control: b, sender: a, chatId, messageId: m.id, seq: m.seq, before });
  });

  it('never a chat the caller is no longer a member of (removed, or left)', async () => {
    const [owner, member, removed, leaver] = await api.newUsers(4);
    const chatId = (await api.newGroup(owner, [member, removed, leaver], 'G')).id;
    const before = word();
    const m = ok(await api.send(owner, chatId, { text: `plans ${before}` }), 201);
    expect(await finds(removed, before)).toEqual([m.id]);
    expect(await finds(leaver, before)).toEqual([m.id]);
    // Open before the removal: the socket stays connected, its searches must not see the chat either.
    const removedSocket = await sockets.open(svc, removed);
    ok(await api.removeMember(owner, chatId, removed), 204);
    ok(await api.removeMember(leaver, chatId, leaver), 204);
    expect(await finds(removed, before, removedSocket)).toEqual([]);
    await hiddenBeforeAndAfterEdit({ caller: removed, control: member, sender: owner, chatId, messageId: m.id, seq: m.seq, before });
    expect(await finds(leaver, before)).toEqual([]);
  });

  it('never a message deleted for everyone, at once, for anyone', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const [w1, w2] = [word(), word()];
    const m = ok(await api.send(a, chatId, { text: `oops ${w1}` }), 201);
    // Edited first (re-indexed), then deleted: neither word finds it.
    ok(await api.edit(a, chatId, m.seq, { text: `oops again ${w2}` }), 200);
    expect(await finds(b, w2)).toEqual([m.id]);
    ok(await api.deleteMessage(a, chatId, m.seq, 'everyone'), 204);
    for (const user of [a, b]) {
      expect(await finds(user, w1)).toEqual([]);
      expect(await finds(user, w2)).toEqual([]);
    }
    // The tombstone cannot be edited back into the index.
    expect((await api.edit(a, chatId, m.seq, { text: w1 })).status).toBe(422);
    expect(await finds(b, w1)).toEqual([]);
  });

  it('never a message the caller deleted for itself', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const before = word();
    const m = ok(await api.send(a, chatId, { text: `note ${before}` }), 201);
    const other = word();
    const kept = ok(await api.send(a, chatId, { text: `kept ${other}` }), 201);
    ok(await api.deleteMessage(b, chatId, m.seq, 'me'), 204);
    expect(await finds(b, other)).toEqual([kept.id]);
    await hiddenBeforeAndAfterEdit({ caller: b, control: a, sender: a, chatId, messageId: m.id, seq: m.seq, before });
  });

  it("never a message before the caller's dialog cut-off; later ones are found", async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const before = word();
    const m = ok(await api.send(a, chatId, { text: `old ${before}` }), 201);
    ok(await api.deleteChat(b, chatId), 204);
    const later = ok(await api.send(a, chatId, { text: `new ${before}` }), 201);
    expect(await finds(b, `new ${before}`)).toEqual([later.id]);
    expect(await finds(b, `old ${before}`)).toEqual([]);
    await hiddenBeforeAndAfterEdit({ caller: b, control: a, sender: a, chatId, messageId: m.id, seq: m.seq, before: `old ${before}` });
  });

  it('never a system message (the server wrote it), nor a message without text', async () => {
    const [a, b] = await api.newUsers(2);
    const title = word();
    const chatId = (await api.newGroup(a, [b], title)).id;
    expect(await finds(b, title)).toEqual([]);
    expect(await finds(b, 'created')).toEqual([]);
    const file = ok(await api.upload(a, Buffer.from('x'), `${title}.txt`), 201);
    ok(await api.send(a, chatId, { attachmentIds: [file.id] }), 201);
    expect(await finds(b, title)).toEqual([]);
  });

  it('restricted to one chat, shows that chat only', async () => {
    const [a, b, c] = await api.newUsers(3);
    const ab = (await api.newDirect(a, b)).id;
    const ac = (await api.newDirect(a, c)).id;
    const w = word();
    const inAb = ok(await api.send(b, ab, { text: w }), 201);
    const inAc = ok(await api.send(c, ac, { text: w }), 201);
    const socket = await sockets.open(svc, a);
    expect(idsOf(await searchBoth(api, a, socket, { q: w }))).toEqual([inAc.id, inAb.id]);
    expect(idsOf(await searchBoth(api, a, socket, { q: w, chatId: ab }))).toEqual([inAb.id]);
    expect(idsOf(await searchBoth(api, a, socket, { q: w, chatId: ac }))).toEqual([inAc.id]);
  });
});
