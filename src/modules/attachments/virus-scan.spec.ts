import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScannerUnavailableError, VirusScanner } from './virus-scan';

describe('virus-scan hook', () => {
  let dir: string;
  let file: string;
  let script: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lead-scan-'));
    file = join(dir, 'upload');
    writeFileSync(file, 'X5O!P%@AP EICAR-ish');
    // Refuses a file holding "EICAR"; exits 0 otherwise.
    script = join(dir, 'scan.sh');
    writeFileSync(script, '#!/bin/sh\nif grep -q EICAR "$1"; then exit 1; fi\nexit 0\n');
    chmodSync(script, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scanner = (over: Partial<{ scanCommand: string; scanUrl: string; scanTimeoutMs: number }>) =>
    new VirusScanner({ scanCommand: '', scanUrl: '', scanTimeoutMs: 5000, ...over });

  it('is off unless configured', () => {
    expect(scanner({}).enabled).toBe(false);
    expect(scanner({ scanCommand: script }).enabled).toBe(true);
  });

  it('passes the path to the command: exit 0 is clean, another exit refuses', async () => {
    expect(await scanner({ scanCommand: script }).scan(file)).toEqual({ clean: false, scanner: 'command' });
    const clean = join(dir, 'clean');
    writeFileSync(clean, 'fine');
    expect(await scanner({ scanCommand: script }).scan(clean)).toEqual({ clean: true });
  });

  it('fails closed when the command cannot run or times out', async () => {
    await expect(scanner({ scanCommand: join(dir, 'missing') }).scan(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
    const slow = join(dir, 'slow.sh');
    writeFileSync(slow, '#!/bin/sh\nsleep 5\n');
    chmodSync(slow, 0o755);
    await expect(scanner({ scanCommand: slow, scanTimeoutMs: 100 }).scan(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
  });

  describe('by URL', () => {
    let server: Server;
    let url: string;
    let received = '';
    let answer: (body: string) => { status: number; body: string };

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received = Buffer.concat(chunks).toString();
          const { status, body } = answer(received);
          res.writeHead(status, { 'content-type': 'application/json' }).end(body);
        });
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scan`;
    });
    afterAll(() => new Promise((done) => server.close(done)));

    it('POSTs the bytes and follows the verdict', async () => {
      answer = (body) => ({ status: 200, body: JSON.stringify({ clean: !body.includes('EICAR') }) });
      expect(await scanner({ scanUrl: url }).scan(file)).toEqual({ clean: false, scanner: 'url' });
      expect(received).toBe('X5O!P%@AP EICAR-ish');
    });

    it('fails closed on an answer without a verdict', async () => {
      answer = () => ({ status: 500, body: '{}' });
      await expect(scanner({ scanUrl: url }).scan(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
      answer = () => ({ status: 200, body: 'ok' });
      await expect(scanner({ scanUrl: url }).scan(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
    });
  });
});
