import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { type: string; timestamp: string; data: Record<string, any> };
  /** What the receiver answered (undefined: it never answered). */
  status?: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Never answer (the request hangs until the sender gives up or dies). */
  readonly hold?: boolean;
  readonly delayMs?: number;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as `answer` says (200 by default). */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (r: Received, n: number) => Answer = () => ({ status: 200 });
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Received['json'];
        try {
          json = JSON.parse(body);
        } catch {
          json = { type: 'unparsable', timestamp: '', data: {} };
        }
        const r: Received = { headers: req.headers, body, json };
        this.received.push(r);
        const a = this.answer(r, this.received.length);
        if (a.hold) return;
        setTimeout(() => {
          r.status = a.status;
          res.writeHead(a.status, a.headers ?? {});
          res.end('ok');
        }, a.delayMs ?? 0);
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = undefined;
  }

  /** Answered 2xx, by webhook-id. */
  delivered(): Received[] {
    return this.received.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}
