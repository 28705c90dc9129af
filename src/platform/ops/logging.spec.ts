import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, Options } from 'pino-http';
import pino from 'pino';
import { logStream, loggingOptions, requestIdOf, wantsPrettyLogs } from './logging';

describe('JSON request logs', () => {
  it('one line per request with the request id Fastify uses, the correlation id, and no credentials; probes are not logged', async () => {
    const lines: Record<string, any>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
    const [options] = loggingOptions({ logLevel: 'info' }, stream).pinoHttp as [Options, Writable];
    const log = pinoHttp(options, stream);
    const ids: string[] = [];
    const server = createServer((req, res) => {
      ids.push(requestIdOf(req)); // what Fastify's genReqId answers for this request
      log(req, res);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await fetch(`${url}/ticket/1`, { headers: { 'x-request-id': 'req-7', 'x-correlation-id': 'chat-7', authorization: 'Bearer secret' } });
    await fetch(`${url}/ticket/2`, { headers: { 'x-request-id': 'not a sane id!' } });
    await fetch(`${url}/health/ready`);
    await new Promise<void>((resolve) => server.close(() => resolve()));

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      correlationId: 'chat-7',
      req: { id: 'req-7', url: '/ticket/1', headers: { authorization: '[Redacted]' } },
      res: { statusCode: 200 },
    });
    expect(lines[1].req.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((l) => l.req.id)).toEqual(ids.slice(0, 2));
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
