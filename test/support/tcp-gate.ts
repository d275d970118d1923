/**
 * A TCP relay in front of a test server that can be shut like a gate. The outage test needs it
 * because a restarted Pub/Sub emulator starts EMPTY: the test must re-create the topic and
 * subscription before the publisher under test reaches it, or events published in between
 * would go to a topic with no subscription. While the emulator is down the relay passes the
 * refusal straight through (the client sees the same failure as without it); `close()` also
 * refuses, so the publisher cannot sneak in during the re-creation. `freeze()` makes a peer
 * vanish without a FIN: nothing is forwarded any more and nothing is closed.
 */
import net from 'node:net';

export interface TcpGate {
  port: number;
  /** Let connections through to the target. */
  open(): void;
  /** Refuse new connections and cut the current ones. */
  close(): void;
  /** Cut the current connections; accept new ones and never answer (a silent endpoint, nodejs-pubsub #436). */
  silence(): void;
  /** Stop forwarding on the current connections, both ways, without closing them: to each end, the other vanished. */
  freeze(): void;
  /** Stop listening. */
  dispose(): Promise<void>;
}

export async function startTcpGate(targetHost: string, targetPort: number): Promise<TcpGate> {
  let isOpen = true;
  let silent = false;
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (silent) {
      sockets.add(client);
      client.on('error', () => {});
      return;
    }
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    open: () => {
      isOpen = true;
      silent = false;
    },
    silence: () => {
      silent = true;
      for (const socket of sockets) socket.destroy();
    },
    freeze: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close: () => {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
    },
    dispose: async () => {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
