// A TCP proxy in front of a PostgreSQL server that can stop answering on demand, keeping every
// connection open: the database that accepts, perhaps authenticates, and then never replies.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface FreezingProxy {
  /** The database URL, pointed at the proxy instead. */
  url: string;
  /** From now on nothing passes, either way; connections stay open. */
  freeze(): void;
  close(): Promise<void>;
}

/**
 * @param databaseURL the real server
 * @param freezeWhenReady freeze by itself once the first connection is authenticated (the
 *   server's first ReadyForQuery message has passed), before any query is answered
 */
export async function startFreezingProxy(databaseURL: string, { freezeWhenReady = false } = {}): Promise<FreezingProxy> {
  const target = new URL(databaseURL);
  let frozen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (frozen) return;
      if (!freezeWhenReady) return void client.write(chunk);
      // Server messages: a type byte, then a 4-byte length that counts itself.
      pending = Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= 5) {
        const length = pending.readUInt32BE(offset + 1);
        if (pending.length - offset < 1 + length) break;
        const type = String.fromCharCode(pending[offset]!);
        offset += 1 + length;
        if (type === 'Z') {
          client.write(pending.subarray(0, offset));
          frozen = true;
          return;
        }
      }
      client.write(pending.subarray(0, offset));
      pending = pending.subarray(offset);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseURL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    freeze: () => void (frozen = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
