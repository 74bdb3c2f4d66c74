import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the service, to break the network under a client: `mute()` drops what
 * the service answers (requests still arrive: a send is stored but its ack never comes back),
 * `cut()` drops every connection and refuses new ones, `restore()` lets traffic through again.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private muted = false;
  private refusing = false;
  origin = '';

  constructor(private readonly target: { host: string; port: number }) {}

  static forOrigin(origin: string): TcpProxy {
    const url = new URL(origin);
    return new TcpProxy({ host: url.hostname, port: Number(url.port) });
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = createConnection(this.target);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (!this.muted) client.write(chunk);
      });
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.origin = `http://127.0.0.1:${address.port}`;
    return this;
  }

  /** Answers from the service are dropped from now on (what the client sends still arrives). */
  mute(): void {
    this.muted = true;
  }

  /** Every connection dropped; new ones are refused until restore(). */
  cut(): void {
    this.refusing = true;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.muted = false;
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
