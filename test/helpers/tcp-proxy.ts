import net from 'node:net';

/**
 * A loopback TCP proxy in front of the Temporal frontend, for a network partition on demand: a
 * worker connected through it keeps running (and heartbeating) when it is cut, but reaches
 * Temporal no more, as a worker behind a broken link would.
 */
export interface TcpProxy {
  /** `127.0.0.1:<port>`: give it to the worker as its Temporal address. */
  address: string;
  /** Drops every open connection; later ones are accepted and never answered (packets lost). */
  partition(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  let cut = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (cut) {
      client.resume();
      return;
    }
    const upstream = net.connect(port, host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    partition() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
