import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that records every statement the service sends: simple
 * queries ('Q') and executions of the extended protocol ('E', with the text of the statement bound
 * before it: unnamed, or a named prepared statement parsed earlier on that connection).
 * Counting on the wire is exact and immediate (pg_stat_* lag, pg_stat_statements needs a preload).
 * Give the service `proxy(databaseUrl)` as its DATABASE_URL (useService's `connectVia`). Background
 * work (BACKGROUND) is left out, so the statements are those of the requests made.
 */
/**
 * What the service does by itself, not for a request: the periodic clean-up of attachments, the
 * push worker (its polling, and any transaction of it) and the search indexer's batches (their
 * transaction starts with its lock). Left out of what is recorded.
 */
const BACKGROUND =
  /push_outbox|push_deliveries|attachments SET (deleted_at|purged_at)|purged_at IS NULL|hashtext\('message_search_queue'\)/;

export class StatementRecorder {
  readonly statements: string[] = [];
  private readonly server: Server = createServer((client) => this.handle(client));
  private readonly sockets = new Set<Socket>();
  private target = { host: '127.0.0.1', port: 5432 };

  /** Starts listening; the URL of `databaseUrl` through this proxy. */
  async proxy(databaseUrl: string): Promise<string> {
    const real = new URL(databaseUrl);
    this.target = { host: real.hostname, port: Number(real.port || 5432) };
    const port = await new Promise<number>((ok) =>
      this.server.listen(0, '127.0.0.1', () => ok((this.server.address() as AddressInfo).port)),
    );
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(port);
    return proxied.toString();
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((ok) => this.server.close(() => ok()));
  }

  private handle(client: Socket) {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let started = false;
    const prepared = new Map<string, string>();
    let bound = '';
    // A transaction is kept back until it ends, then left out whole when it was background work.
    let transaction: string[] | null = null;
    const record = (statement: string) => {
      if (/^(START TRANSACTION|BEGIN)\b/i.test(statement)) transaction = [];
      if (!transaction) {
        if (!BACKGROUND.test(statement)) this.statements.push(statement);
        return;
      }
      transaction.push(statement);
      if (/^(COMMIT|ROLLBACK)\b/i.test(statement)) {
        if (!transaction.some((t) => BACKGROUND.test(t))) this.statements.push(...transaction);
        transaction = null;
      }
    };
    const cstring = (buf: Buffer, from: number) => {
      const end = buf.indexOf(0, from);
      return { text: buf.subarray(from, end).toString('utf8'), next: end + 1 };
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          // Startup, SSL and GSS requests have no type byte.
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) return;
          const code = buffer.readInt32BE(4);
          if (code !== 80877103 && code !== 80877104) started = true;
          buffer = buffer.subarray(len);
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0]);
        const total = 1 + buffer.readInt32BE(1);
        if (buffer.length < total) return;
        const body = buffer.subarray(5, total);
        if (type === 'Q') record(cstring(body, 0).text);
        if (type === 'P') {
          // Parse: statement name ('' for unnamed), then its text. A named one is parsed once per connection.
          const name = cstring(body, 0);
          prepared.set(name.text, cstring(body, name.next).text);
        }
        // Bind: portal name, then the name of the statement it runs.
        if (type === 'B') bound = prepared.get(cstring(body, cstring(body, 0).next).text) ?? '';
        if (type === 'E') record(bound);
        buffer = buffer.subarray(total);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
