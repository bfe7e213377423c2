import { connect, createServer, type Server, type Socket } from 'node:net';

interface AnswerDrop {
  matches: (request: string) => boolean;
  holdMs: number;
  dropped: () => void;
}

/**
 * A loopback TCP relay in front of a server, so a test can cut the network between the bot and
 * Redis (every connection reset, new ones refused) and restore it on the same port while Redis
 * itself keeps its data: an outage as the bot sees it, not a loss of state. It can also let one
 * request through and lose everything Redis answers from then on, until the connection is reset:
 * a write that Redis applied although the writer never hears so.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #drop: AnswerDrop | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      let deaf = false;
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        const drop = this.#drop;
        if (deaf || !drop?.matches(chunk.toString('latin1'))) return;
        this.#drop = undefined;
        deaf = true;
        drop.dropped();
        setTimeout(() => {
          client.resetAndDestroy();
          upstream.destroy();
        }, drop.holdMs);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!deaf) client.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /**
   * The next request whose wire text `matches` (e.g. a RESP command naming a key) reaches the
   * server, but neither its answer nor any later one on that connection comes back; after
   * `holdMs` the connection is reset and the client reconnects as usual. Resolves once it happened.
   */
  loseAnswerTo(matches: (request: string) => boolean, holdMs = 1_000): Promise<void> {
    return new Promise((dropped) => {
      this.#drop = { matches, holdMs, dropped };
    });
  }

  /** Resets every connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
