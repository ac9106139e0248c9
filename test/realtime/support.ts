import { randomUUID } from 'node:crypto';
import type { MessageDto } from '../support/contract';
import { containing } from '../support/matchers';
import type { TestService } from '../support/service';
import { TestSocket, useSockets } from '../support/sockets';

/** A short presence grace period, so that "offline" comes within a test. */
export const GRACE_MS = 800;
export const REALTIME_ENV = { PRESENCE_GRACE_MS: String(GRACE_MS) };

/** message:send over a socket, asserting the ack; the stored message. */
export async function sendOver(socket: TestSocket, chatId: string, text: string): Promise<MessageDto> {
  const ack = await socket.call('message:send', { chatId, clientId: randomUUID(), text });
  expect(ack).toEqual({ ok: true, data: containing({ chatId, text }) });
  return ack.data;
}

/** Sockets of the spec's service (closed after the file), and the usual cast of users. */
export function realtimeHelpers(svc: TestService) {
  const { api } = svc;
  const sockets = useSockets();
  const open = (who: { accessToken: string } | string) => sockets.open(svc, who);
  return {
    open,
    /** Alice with two devices, Bob with one, and their direct chat. */
    pairWithTwoDevices: async () => {
      const [alice, bob] = await api.newUsers(2);
      const chatId = (await api.newDirect(alice, bob)).id;
      const a1 = await open(alice);
      const a2 = await open(await api.newSession(alice));
      const b1 = await open(bob);
      return { alice, bob, chatId, a1, a2, b1 };
    },
  };
}
