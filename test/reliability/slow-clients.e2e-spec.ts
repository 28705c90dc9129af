import { AddressInfo, Socket, connect } from 'node:net';
import { TestApp, startTestApp, storefrontAuth } from '../support/test-app';
import { SHOP } from '../support/world';

/**
 * Slow and greedy clients against a real listening server on 127.0.0.1, with short timeouts so the suite
 * stays quick: a body that stalls, a body that drips past the request timeout, headers dripped slowloris
 * style, an idle kept-alive connection, and connections beyond the cap. Each is cut by the server; none
 * writes anything.
 */
describe('slow clients (real server, end to end)', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({
      headersTimeoutMs: 400,
      requestTimeoutMs: 1200,
      bodyTimeoutMs: 300,
      keepAliveTimeoutMs: 300,
      maxConnections: 4,
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => t.dispose());

  interface Client {
    readonly socket: Socket;
    readonly received: () => string;
    /** Milliseconds from connecting until the server closed the connection, or undefined if still open after `ms`. */
    closedWithin(ms: number): Promise<number | undefined>;
  }

  async function client(): Promise<Client> {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let received = '';
    let closedAt: number | undefined;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve(void (closedAt = Date.now()))));
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined); // a reset is one way of being closed
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return {
      socket,
      received: () => received,
      closedWithin: async (ms) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
        if (closedAt === undefined) socket.destroy();
        return closedAt === undefined ? undefined : closedAt - started;
      },
    };
  }

  const events = async () => (await t.store.readAll()).length;
  const headers = (more: Record<string, string>) =>
    Object.entries({ host: '127.0.0.1', ...storefrontAuth('a', 'u1'), 'content-type': 'application/json', ...more })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
  const body = JSON.stringify({ category: 'slow', content: { title: 'Slow client', description: 'x'.repeat(200) } });
  const postHead = `POST ${SHOP}/ticket/ HTTP/1.1\r\n${headers({ 'content-length': String(Buffer.byteLength(body)) })}\r\n`;
  const status = (c: Client) => /^HTTP\/1\.1 (\d{3})/.exec(c.received())?.[1];

  it('a body that stalls is cut after LEAD_BODY_TIMEOUT_MS with a 408 problem, and nothing is written', async () => {
    const before = await events();
    const c = await client();
    c.socket.write(postHead + body.slice(0, 40));
    const after = await c.closedWithin(3000);
    expect(after).toBeDefined();
    expect(after).toBeLessThan(1200); // the body timeout (300 ms), not the request timeout (1,200 ms)
    expect(status(c)).toBe('408');
    expect(c.received()).toContain('application/problem+json');
    expect(await events()).toBe(before);
  });

  it('a body that keeps dripping is cut at LEAD_REQUEST_TIMEOUT_MS', async () => {
    const before = await events();
    const c = await client();
    c.socket.write(postHead);
    let sent = 0;
    const drip = setInterval(() => c.socket.writable && c.socket.write(body.slice(sent, ++sent)), 100); // never idle 300 ms
    const after = await c.closedWithin(4000);
    clearInterval(drip);
    expect(after).toBeDefined();
    expect(after).toBeGreaterThanOrEqual(1000);
    expect(status(c)).toBe('408');
    expect(await events()).toBe(before);
  });

  it('headers dripped one line at a time (slowloris) are cut at LEAD_HEADERS_TIMEOUT_MS', async () => {
    const c = await client();
    c.socket.write(`GET ${SHOP}/ticket/000000000000000000000000 HTTP/1.1\r\n`);
    let n = 0;
    const drip = setInterval(() => c.socket.writable && c.socket.write(`x-drip-${n++}: ${'a'.repeat(10)}\r\n`), 100);
    const after = await c.closedWithin(3000);
    clearInterval(drip);
    expect(after).toBeDefined();
    expect(after).toBeLessThan(1200);
    expect(status(c)).toBe('408');
  });

  it('a connection that sends nothing is closed at the headers timeout', async () => {
    const c = await client();
    expect(await c.closedWithin(3000)).toBeLessThan(1200);
  });

  it('an idle kept-alive connection is closed after LEAD_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const c = await client();
    c.socket.write('GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    const after = await c.closedWithin(3000);
    expect(status(c)).toBe('200');
    expect(after).toBeDefined();
    expect(after).toBeLessThan(2500); // Node keeps an idle socket up to about a second past the keep-alive timeout
  });

  it('connections beyond LEAD_MAX_CONNECTIONS are closed unanswered; once some close, new ones are served', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => client()));
    const extra = await client();
    extra.socket.write('GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    expect(await extra.closedWithin(300)).toBeDefined(); // well before any timeout of this suite
    expect(extra.received()).toBe('');
    for (const c of held) c.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await client();
    next.socket.write('GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n');
    await next.closedWithin(2000);
    expect(status(next)).toBe('200');
  });
});
