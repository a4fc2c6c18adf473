import net from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** The service goes away: live connections are reset and new ones refused (ECONNREFUSED). */
  cut(): Promise<void>;
  /** The service stops answering, as behind a network partition: connections stay open, no byte gets through. */
  freeze(): void;
  /** Undoes `cut` (listens again on the same port) or `freeze` (delivers what was held, in order). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP forwarder in front of Redis or PostgreSQL, so a test can take the service away from the
 * gateway and give it back without touching the real server other tests share.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const host = '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let held: (() => void)[] | undefined;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (held) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    // Either side failing ends both, as a broken network path would.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const dropAll = () => {
    held = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
  };

  await listen(0);
  const { port } = server.address() as net.AddressInfo;
  return {
    host,
    port,
    async cut() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    freeze() {
      held ??= [];
    },
    async restore() {
      const release = held ?? [];
      held = undefined;
      release.forEach((write) => write());
      if (!server.listening) await listen(port);
    },
    async close() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
