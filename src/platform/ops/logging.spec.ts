import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { installRequestLog, logStream, loggingOptions, requestIdOf, rootLoggerOf, wantsPrettyLogs } from './logging';

describe('JSON request logs', () => {
  /** A Fastify app wired as bootstrap wires the service: our request ids, the request log hooks, a root logger. */
  async function serve(level: string, lines: Record<string, any>[]) {
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
    const root = rootLoggerOf(loggingOptions({ logLevel: level }, stream));
    const fastify = Fastify({ genReqId: requestIdOf });
    installRequestLog(fastify, root);
    fastify.get('/ticket/:id', async (request) => {
      // What a Nest Logger call inside a request does (nestjs-pino's PinoLogger reads this store).
      if ((request.query as { warn?: string }).warn) storage.getStore()!.logger.warn('something to look at');
      return { id: (request.params as { id: string }).id, requestId: request.id };
    });
    fastify.get('/boom', async (_request, reply) => reply.code(503).send({ no: true }));
    fastify.get('/health/ready', async () => ({ ok: true }));
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
    return { url, root, close: () => fastify.close() };
  }

  it('one line per request with the request id Fastify uses, the correlation id, and no credentials; probes are not logged', async () => {
    const lines: Record<string, any>[] = [];
    const { url, close } = await serve('info', lines);
    const headers = { 'x-request-id': 'req-7', 'x-correlation-id': 'chat-7', authorization: 'Bearer secret', cookie: 'session=secret' };
    const first = (await (await fetch(`${url}/ticket/1`, { headers })).json()) as { requestId: string };
    const second = (await (await fetch(`${url}/ticket/2`, { headers: { 'x-request-id': 'not a sane id!' } })).json()) as {
      requestId: string;
    };
    await fetch(`${url}/health/ready`);
    await fetch(`${url}/boom`, { headers: { 'x-request-id': 'req-9' } });
    await close();

    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      correlationId: 'chat-7',
      req: { id: 'req-7', method: 'GET', url: '/ticket/1', headers: { authorization: '[Redacted]', cookie: '[Redacted]' } },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(lines[1].req.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.slice(0, 2).map((l) => l.req.id)).toEqual([first.requestId, second.requestId]);
    expect(lines[2]).toMatchObject({ msg: 'request errored', req: { id: 'req-9' }, res: { statusCode: 503 } });
  });

  it('a line written while a request is served carries its request id and correlation id, with credentials redacted', async () => {
    const lines: Record<string, any>[] = [];
    const { url, close } = await serve('warn', lines);
    const headers = { 'x-request-id': 'req-8', 'x-correlation-id': 'chat-8', authorization: 'Bearer secret' };
    await fetch(`${url}/ticket/1?warn=1`, { headers });
    await close();

    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'something to look at',
        correlationId: 'chat-8',
        req: expect.objectContaining({
          id: 'req-8',
          url: '/ticket/1?warn=1',
          headers: expect.objectContaining({ authorization: '[Redacted]' }),
        }),
      }),
    ]);
  });

  it('at a level that writes no request lines, a request that logs nothing makes no child logger and writes nothing', async () => {
    const lines: Record<string, any>[] = [];
    const { url, root, close } = await serve('warn', lines);
    const child = jest.spyOn(root, 'child');
    for (let i = 0; i < 5; i++)
      expect((await fetch(`${url}/ticket/${i}`, { headers: { authorization: 'Bearer secret' } })).status).toBe(200);
    await close();

    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});

describe('log format', () => {
  it('pretty only for a terminal outside production; JSON for pipes, files and production', () => {
    expect(wantsPrettyLogs({}, true)).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: 'development' }, true)).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: 'production' }, true)).toBe(false);
    expect(wantsPrettyLogs({}, false)).toBe(false);
    expect(wantsPrettyLogs({ NODE_ENV: 'production' }, false)).toBe(false);
  });

  it.each([
    [true, (text: string) => expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: ticket created\n {4}ticketId: "t-1"\n$/)],
    [false, (text: string) => expect(JSON.parse(text)).toMatchObject({ level: 30, msg: 'ticket created', ticketId: 't-1' })],
  ])('pretty=%s writes the line the choice promises', (pretty, check) => {
    let text = '';
    const to = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    pino(logStream(pretty, to)).info({ ticketId: 't-1' }, 'ticket created');
    check(text);
  });
});
