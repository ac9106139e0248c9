import { Logger } from '@nestjs/common';

/** How much may wait for one socket whose client does not read (SOCKET_OUTBOUND_MAX_BYTES / _EVENTS). */
export interface OutboundLimits {
  maxBytes: number;
  maxEvents: number;
}

/** Events a client can do without: it learns the state again over REST (presence) or from the next one (typing). */
export const DROPPABLE_EVENTS = ['typing', 'presence'] as const;

/** The last event a socket gets before the server closes it (see docs/realtime.md, "Slow readers"). */
export const CLOSING_EVENT = 'server:closing';
export const SLOW_READER_REASON = 'SLOW_READER';

/** The parts of engine.io's per-connection socket used here (engine.io does not export these types). */
interface EnginePacket {
  type: string;
  data?: string | Buffer;
}
interface EngineConnection {
  readyState: string;
  writeBuffer: EnginePacket[];
  transport: { name: string; socket?: { bufferedAmount: number; send(data: string | Buffer): void } };
  sendPacket(type: string, data?: unknown, options?: unknown, callback?: unknown): void;
  close(discard?: boolean): void;
  on(event: 'flush', listener: () => void): void;
}

const DROPPABLE_PREFIXES = DROPPABLE_EVENTS.map((name) => `["${name}",`);

/**
 * Bounds what waits for one engine.io connection (its write buffer plus the bytes the WebSocket has
 * not handed to the kernel yet). A client that stops reading would otherwise make the server keep
 * every event for it (issue 18). Past half the cap, droppable events are not queued; past the cap,
 * queued droppable events are thrown away, and if that is not enough the socket is closed: what is
 * queued is written out, then `server:closing` { reason: SLOW_READER } and a socket.io disconnect;
 * the event that did not fit and every later one are not sent, and the client catches up over REST.
 */
export function boundOutbound(conn: EngineConnection, limits: OutboundLimits, log: Logger): void {
  let queuedBytes = 0; // in conn.writeBuffer; a flush hands all of it to the transport
  let closed = false;
  conn.on('flush', () => {
    queuedBytes = 0;
  });
  const send = conn.sendPacket.bind(conn);
  const pending = () => queuedBytes + (conn.transport.socket?.bufferedAmount ?? 0);
  // An event bigger than the cap still goes to a socket that has nothing waiting.
  const over = (bytes: number, events: number, cap: OutboundLimits) =>
    events > cap.maxEvents || (pending() > 0 && pending() + bytes > cap.maxBytes);
  const half = { maxBytes: limits.maxBytes / 2, maxEvents: limits.maxEvents / 2 };

  conn.sendPacket = (type, data, options, callback) => {
    if (type !== 'message' || closed) return send(type, data, options, callback);
    const bytes = byteSize(data);
    if (isDroppable(data) && over(bytes, conn.writeBuffer.length + 1, half)) return;
    if (over(bytes, conn.writeBuffer.length + 1, limits)) {
      dropQueuedDroppable();
      if (over(bytes, conn.writeBuffer.length + 1, limits)) {
        closeSlowReader();
        return;
      }
    }
    queuedBytes += bytes; // before send: a flush inside it resets the count
    send(type, data, options, callback);
  };

  function dropQueuedDroppable() {
    const kept = conn.writeBuffer.filter((packet) => packet.type !== 'message' || !isDroppable(packet.data));
    queuedBytes = kept.reduce((sum, packet) => sum + byteSize(packet.data), 0);
    conn.writeBuffer.length = 0;
    conn.writeBuffer.push(...kept);
  }

  function closeSlowReader() {
    closed = true;
    log.warn(
      `socket ${conn.transport.name} closed: its client does not read (${pending()} bytes, ${conn.writeBuffer.length} events queued)`,
    );
    // What is queued is already in memory: it goes to the WebSocket (ahead of the notice, so the
    // client keeps every event up to the close without a gap), and nothing more is accepted.
    const queued = conn.writeBuffer.filter((packet) => packet.type === 'message' && packet.data !== undefined);
    conn.writeBuffer.length = 0;
    queuedBytes = 0;
    const ws = conn.transport.socket;
    if (ws) {
      // engine.io packet 4 (message) framing: a string is "4" + the socket.io packet, binary goes as it is.
      for (const packet of queued) ws.send(typeof packet.data === 'string' ? `4${packet.data}` : packet.data!);
      // Then socket.io packets 2 (event) and 1 (disconnect) of the main namespace.
      const notice = { reason: SLOW_READER_REASON, message: 'the client did not read its socket fast enough; catch up over REST' };
      ws.send(`42${JSON.stringify([CLOSING_EVENT, notice])}`);
      ws.send('41');
    }
    // Discard: close now without waiting for a drain (the WebSocket still sends its
    // close frame after what it holds, and gives up on a peer that never reads after 30 s).
    conn.close(true);
  }
}

function isDroppable(data: unknown): boolean {
  if (typeof data !== 'string') return false;
  // socket.io event packet: `2["event",…]`, or `2/namespace,["event",…]`.
  const start = data.indexOf('[');
  return start > 0 && start < 64 && DROPPABLE_PREFIXES.some((prefix) => data.startsWith(prefix, start));
}

function byteSize(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Buffer.isBuffer(data)) return data.length;
  return 0;
}
