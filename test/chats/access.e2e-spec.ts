import { Caller, expectError, Reply } from '../support/api';
import { useService } from '../support/service';
import { chatReads, MISSING_ID } from './support';

describe('chats: non-members and bad ids', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, listIds, memberRows } = chatReads(svc);

  it('a non-member gets 404 CHAT_NOT_FOUND on every chat route, the same as for a chat that does not exist', async () => {
    const [owner, member, outsider] = await api.newUsers(3);
    const chat = await api.newGroup(owner, [member], 'Private');
    const before = await detail(owner, chat.id);
    const routes = (id: string): Array<(as: Caller) => Promise<Reply<unknown>>> => [
      (as) => api.chat(as, id),
      (as) => api.rename(as, id, 'mine now'),
      (as) => api.addMembers(as, id, [outsider]),
      (as) => api.removeMember(as, id, member),
      (as) => api.removeMember(as, id, outsider),
      (as) => api.pin(as, id),
      (as) => api.unpin(as, id),
      (as) => api.deleteChat(as, id),
      (as) => api.read(as, id, { seq: 1 }),
      (as) => api.delivered(as, id, { seq: 1 }),
    ];
    const existing = routes(chat.id);
    const missing = routes(MISSING_ID);
    for (let i = 0; i < existing.length; i++) {
      const a = expectError(await existing[i](outsider), 404, 'CHAT_NOT_FOUND');
      const b = expectError(await missing[i](outsider), 404, 'CHAT_NOT_FOUND');
      expect(a).toEqual(b);
    }
    expect(await detail(owner, chat.id)).toEqual(before);
    expect(await memberRows(chat.id)).toEqual([owner.id, member.id].sort());
    expect(await listIds(outsider)).not.toContain(chat.id);
  });

  it('a malformed id in the path is 400 VALIDATION_FAILED', async () => {
    const [owner, member] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [member], 'Ids');
    const calls: Array<(as: Caller) => Promise<Reply<unknown>>> = [
      (as) => api.chat(as, 'not-a-uuid'),
      (as) => api.rename(as, 'not-a-uuid', 'x'),
      (as) => api.addMembers(as, 'not-a-uuid', [member]),
      (as) => api.removeMember(as, 'not-a-uuid', member),
      (as) => api.removeMember(as, chat.id, 'not-a-uuid'),
      (as) => api.pin(as, '123'),
      (as) => api.unpin(as, '123'),
      (as) => api.deleteChat(as, '123'),
      (as) => api.read(as, '123', { seq: 1 }),
      (as) => api.delivered(as, '123', { seq: 1 }),
    ];
    for (const call of calls) expectError(await call(owner), 400, 'VALIDATION_FAILED');
    expect((await detail(owner, chat.id)).memberCount).toBe(2);
  });
});
