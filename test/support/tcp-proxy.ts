import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * How a cut looks to the app:
 * - `refuse`: every live connection is reset and the port stops listening, so new connections are
 *   refused (a server that is down).
 * - `blackhole`: every live connection is reset; new ones are accepted but nothing is ever forwarded
 *   or answered (a server or network that swallows packets: only timeouts end the wait).
 * - `hang`: live connections stay open but nothing more is forwarded either way, and new ones are
 *   accepted and left silent (a server that hangs mid-query).
 */
export type CutMode = 'refuse' | 'blackhole' | 'hang';

/** A TCP proxy in front of one server, which a test can cut and restore. */
export interface TcpProxy {
  /** The local port (on 127.0.0.1) to connect to instead of the server's. */
  port: number;
  /** Connections accepted since the start (forwarded or held). */
  accepted(): number;
  cut(mode?: CutMode): Promise<void>;
  /**
   * Forwards again. Connections held or frozen by the cut are reset (their byte streams are no longer
   * in step), so clients open new ones.
   */
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream?: Socket;
}

/** Starts a proxy on a free local port that forwards every connection to `targetHost:targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: CutMode | 'open' = 'open';
  let accepted = 0;
  const links = new Set<Link>();

  const reset = (link: Link) => {
    links.delete(link);
    for (const socket of [link.client, link.upstream]) {
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    }
  };

  const onConnection = (client: Socket) => {
    accepted++;
    const link: Link = { client };
    links.add(link);
    client.on('error', () => reset(link));
    client.on('close', () => reset(link));
    if (mode !== 'open') {
      // Held: read and drop whatever the client sends, answer nothing.
      client.resume();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    link.upstream = upstream;
    upstream.on('error', () => reset(link));
    upstream.on('close', () => reset(link));
    client.pipe(upstream);
    upstream.pipe(client);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as { port: number }).port;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  return {
    port,
    accepted: () => accepted,
    async cut(next: CutMode = 'refuse') {
      mode = next;
      for (const link of [...links]) {
        if (next === 'hang') {
          // Stop forwarding both ways and drop what arrives; the sockets stay open.
          link.client.unpipe();
          link.upstream?.unpipe();
          link.client.resume();
          link.upstream?.resume();
        } else {
          reset(link);
        }
      }
      if (next === 'refuse') await stopListening();
    },
    async restore() {
      for (const link of [...links]) reset(link);
      mode = 'open';
      if (!server.listening) {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    async close() {
      for (const link of [...links]) reset(link);
      await stopListening();
    },
  };
}
