import { ok } from '../support/api';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { StatementRecorder } from '../support/statement-recorder';
import { sleep } from '../support/wait';

/**
 * After a change to a group, every member gets the chat as it sees it (`chat:updated`). The
 * summaries are computed in bulk by the publisher, so the statements a change costs do not grow
 * with the member count (they were about 5 per member, one summary at a time, in the gateway).
 */
describe('chat change fan-out cost (statements counted on the wire)', () => {
  const recorder = new StatementRecorder();
  const svc = useService({ ATTACHMENT_CLEANUP_INTERVAL_MS: '3600000' }, { connectVia: (url) => recorder.proxy(url) });
  const { api } = svc;
  const sockets = useSockets();
  afterAll(() => recorder.close());

  // The periodic clean-up of attachments and the push worker's polling are not part of a rename.
  const background = /attachments SET (deleted_at|purged_at)|purged_at IS NULL|push_outbox|push_deliveries/;

  async function renameCost(members: number): Promise<string[]> {
    const [owner, ...others] = await api.newUsers(members);
    const chat = await api.newGroup(owner, others, `before ${members}`);
    const last = others[others.length - 1];
    const watcher = await sockets.open(svc, last);
    await sleep(300); // the connection's own statements (presence) are done before counting
    recorder.statements.length = 0;
    ok(await api.rename(owner, chat.id, `after ${members}`), 200);
    // Every member's summary has gone out once the last member's arrived (one emit per member, in order).
    const summary = await watcher.waitFor('chat:updated', (c) => c.id === chat.id && c.title === `after ${members}`);
    expect(summary.memberCount).toBe(members);
    await watcher.waitFor('message:new', (m) => m.chatId === chat.id && m.event?.kind === 'renamed');
    return recorder.statements.filter((s) => !background.test(s)).map((s) => s.replace(/\$\d+(, \$\d+)*/g, '$n'));
  }

  it('a rename costs the same statements for a group of 3 and of 50', async () => {
    const small = await renameCost(3);
    const large = await renameCost(50);
    // The same statements (their order varies: the summaries and the message go out concurrently).
    expect([...large].sort()).toEqual([...small].sort());
    expect(large.length).toBeLessThanOrEqual(25);
    console.log(`rename statements: ${small.length} (3 members), ${large.length} (50 members)`);
  });
});
