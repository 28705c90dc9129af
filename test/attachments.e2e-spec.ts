import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentRetention } from '../src/modules/attachments';
import { loadSettings, Settings } from '../src/platform/config/settings';
import { PLATFORM, SHOP, company } from './support/world';
import { TestApp, onStores, staffAuth, startTestApp, storefrontAuth } from './support/test-app';
import { startServer } from './support/server-process';
import { fakeS3 } from './support/fake-s3';
import { AddressInfo } from 'node:net';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-not-really-an-image')]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n');
const EXE = Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]);

interface Part {
  readonly filename: string;
  readonly type: string;
  readonly content: Buffer;
}

/** A multipart/form-data body with one file part per entry, as a browser form would send it. */
function multipart(...files: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----lead-test-${Math.random().toString(16).slice(2)}`;
  const chunks = files.flatMap((f) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`,
    ),
    f.content,
    Buffer.from('\r\n'),
  ]);
  return {
    payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** The TicketAsset of an upload's answer item (a ticket's content takes display, value and type only). */
const asset = ({ display, value, type }: { display: string; value: string; type: string }) => ({ display, value, type });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pathOf = (url: string) => new URL(url).pathname;

/** A data directory and the attachment settings of an app booted on it (limits small enough to test). */
function setup(over: Partial<Settings['attachments']> = {}): { dir: string; overrides: Partial<Settings> } {
  const dir = mkdtempSync(join(tmpdir(), 'lead-e2e-att-'));
  const attachments = {
    ...loadSettings({ LEAD_DATA_DIR: dir }).attachments,
    maxBytes: 64 * 1024,
    maxFiles: 2,
    retentionIntervalMs: 0,
    ...over,
  };
  return { dir, overrides: { attachments } };
}

describe('attachments (end to end)', () => {
  let t: TestApp;
  let staff1: Record<string, string>;
  let staff2: Record<string, string>;
  const u1 = () => storefrontAuth('a', 'u1');
  const u2 = () => storefrontAuth('a', 'u2');
  const { dir, overrides } = setup();

  beforeAll(async () => {
    t = await startTestApp(overrides, dir);
    staff1 = await staffAuth(t, 'one', 'agent-1');
    staff2 = await staffAuth(t, 'two', 'agent-2');
  });
  afterAll(async () => t.dispose());

  const upload = (url: string, headers: Record<string, string>, ...files: Part[]) => {
    const body = multipart(...files);
    return t.app.inject({ method: 'POST', url, headers: { ...headers, ...body.headers }, payload: body.payload });
  };
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const post = async (url: string, headers: Record<string, string>, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers, payload });
    expect(res.statusCode).toBe(201);
    return res.json();
  };
  const storefrontUrl = (id: string) => `${SHOP}/attachments/${id}`;
  const staffUrl = (c: string, id: string) => `${company(c)}/attachments/${id}`;
  const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; json: () => { status: number } }, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().status).toBe(status);
  };

  it('stores a storefront upload under the type sniffed from its bytes, not the header, and records no bytes', async () => {
    const res = await upload(`${SHOP}/upload`, u1(), { filename: 'C:\\fakepath\\page.html', type: 'text/html', content: PNG });
    expect(res.statusCode).toBe(201);
    const [item] = res.json().items;
    expect(item).toEqual({
      display: 'page.html',
      value: expect.stringMatching(new RegExp(`^http://[^/]+${SHOP}/attachments/[0-9a-f-]{36}$`)),
      type: 'image',
      id: expect.any(String),
      sha256: sha256(PNG),
      size: PNG.length,
      content_type: 'image/png',
    });
    expect(res.json().access_key).toBeUndefined();
    const [event] = await t.store.readStream(`attachment-${item.id}`);
    expect(event.type).toBe('AttachmentUploaded');
    expect(event.data).toMatchObject({ id: item.id, sha256: sha256(PNG), size: PNG.length, content_type: 'image/png', company_id: '1' });
    expect(JSON.stringify(event.data)).not.toContain(PNG.toString('base64').slice(0, 12));
    expect(event.metadata.actor).toEqual({ type: 'storefront_user', id: 'u1' });
  });

  it('serves a file with download headers; an unlinked one only to its uploader, then to whoever may read its ticket', async () => {
    const [file] = (await upload(`${SHOP}/upload`, u1(), { filename: 'scan.pdf', type: 'application/pdf', content: PDF })).json().items;
    const mine = await get(pathOf(file.value), u1());
    expect(mine.statusCode).toBe(200);
    expect(mine.rawPayload.equals(PDF)).toBe(true);
    expect(mine.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="scan.pdf"; filename*=UTF-8''scan.pdf`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    // Unlinked: another user, another application of the same company, and even the company's staff get 404.
    expectProblem(await get(pathOf(file.value), u2()), 404);
    expectProblem(await get(storefrontUrl(file.id), storefrontAuth('b', 'u1')), 404);
    expectProblem(await get(staffUrl('1', file.id), staff1), 404);

    const ticket = await post(`${SHOP}/ticket/`, u1(), {
      category: 'docs',
      content: { title: 'My invoice', description: 'see attached', attachments: [asset(file)] },
    });
    expect((await get(storefrontUrl(file.id), u1())).statusCode).toBe(200);
    const staffDownload = await get(staffUrl('1', file.id), staff1);
    expect(staffDownload.statusCode).toBe(200);
    expect(staffDownload.rawPayload.equals(PDF)).toBe(true);
    expectProblem(await get(storefrontUrl(file.id), u2()), 404);
    expectProblem(await get(staffUrl('2', file.id), staff2), 404);
    expect(ticket.content.attachments[0].value).toBe(file.value);
  });

  it('lets the customer download what staff attached to their ticket, nobody else', async () => {
    const ticket = await post(`${SHOP}/ticket/`, u1(), { category: 'c', content: { title: 'Help', description: '' } });
    const res = await upload(`${company('1')}/upload`, staff1, { filename: 'reply.png', type: 'image/png', content: PNG });
    expect(res.statusCode).toBe(201);
    const [file] = res.json().items;
    expect(pathOf(file.value)).toBe(`${PLATFORM}/company/1/attachments/${file.id}`);
    // The uploader (agent-1) sees it; another agent of the company does not, until it is on a ticket.
    expect((await get(staffUrl('1', file.id), staff1)).statusCode).toBe(200);
    expectProblem(await get(staffUrl('1', file.id), await staffAuth(t, 'three', 'agent-3')), 404);
    expectProblem(await get(storefrontUrl(file.id), u1()), 404);

    await post(`${company('1')}/ticket/${ticket._id}/history`, staff1, { type: 'comment', value: { text: 'here', media: [file] } });
    expect((await get(storefrontUrl(file.id), u1())).statusCode).toBe(200);
    expect((await get(staffUrl('1', file.id), await staffAuth(t, 'three', 'agent-3'))).statusCode).toBe(200);
    expectProblem(await get(storefrontUrl(file.id), u2()), 404);
    expectProblem(await get(staffUrl('2', file.id), staff2), 404);
  });

  it("does not let a user reach another user's file by pasting its URL into their own ticket", async () => {
    const [file] = (await upload(`${SHOP}/upload`, u1(), { filename: 'private.png', type: 'image/png', content: PNG })).json().items;
    await post(`${SHOP}/ticket/`, u2(), {
      category: 'c',
      content: { title: 'Gimme', description: '', attachments: [{ value: file.value, type: 'image' }] },
    });
    expectProblem(await get(storefrontUrl(file.id), u2()), 404);
  });

  it('gives an anonymous uploader an access key that downloads the file', async () => {
    const res = await upload(`${SHOP}/upload`, storefrontAuth('a'), { filename: 'a.png', type: 'image/png', content: PNG });
    expect(res.statusCode).toBe(201);
    const { items, access_key } = res.json();
    expect(access_key).toEqual(expect.any(String));
    expect((await get(storefrontUrl(items[0].id), { ...storefrontAuth('a'), 'x-ticket-access-key': access_key })).statusCode).toBe(200);
    expectProblem(await get(storefrontUrl(items[0].id), storefrontAuth('a')), 404);
  });

  it('refuses oversize files, too many files, disallowed types and non-multipart bodies with problems, storing nothing', async () => {
    const before = (await t.store.readAll({ maxCount: 100_000 })).length;
    const big = Buffer.concat([PNG, Buffer.alloc(64 * 1024)]);
    expectProblem(await upload(`${SHOP}/upload`, u1(), { filename: 'big.png', type: 'image/png', content: big }), 413);
    const small = { filename: 's.png', type: 'image/png', content: PNG };
    expectProblem(await upload(`${SHOP}/upload`, u1(), small, small, small), 422);
    // An executable named and labelled as an image is still an executable.
    expectProblem(await upload(`${SHOP}/upload`, u1(), { filename: 'cute.png', type: 'image/png', content: EXE }), 415);
    // One bad file refuses the whole request: the good one is not stored either.
    expectProblem(await upload(`${SHOP}/upload`, u1(), small, { filename: 'x.bin', type: 'image/png', content: EXE }), 415);
    const json = await t.app.inject({ method: 'POST', url: `${SHOP}/upload`, headers: u1(), payload: { file: 'x' } });
    expectProblem(json, 415);
    const boundary = 'only-a-field';
    const fieldOnly = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/upload`,
      headers: { ...u1(), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`,
    });
    expectProblem(fieldOnly, 400);
    for (const [type, payload] of [
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\n\r\ncut off'],
    ]) {
      const malformed = await t.app.inject({ method: 'POST', url: `${SHOP}/upload`, headers: { ...u1(), 'content-type': type }, payload });
      expectProblem(malformed, 400);
    }
    expect((await t.store.readAll({ maxCount: 100_000 })).length).toBe(before);
    expect(readdirSync(join(dir, 'attachments', '.tmp'))).toEqual([]);
  });

  it('keeps unlinked uploads until the retention sweep and deletes a data subject’s files on erasure, as events', async () => {
    const [linked] = (
      await upload(`${SHOP}/upload`, storefrontAuth('a', 'u7'), { filename: 'l.png', type: 'image/png', content: PNG })
    ).json().items;
    await post(`${SHOP}/ticket/`, storefrontAuth('a', 'u7'), {
      category: 'c',
      content: { title: 't', description: '', attachments: [asset(linked)] },
    });
    const [loose] = (
      await upload(`${SHOP}/upload`, storefrontAuth('a', 'u7'), { filename: 'u.png', type: 'image/png', content: PNG })
    ).json().items;
    const retention = t.app.get(AttachmentRetention);
    // Retention is 7 days here: nothing is old enough yet.
    await retention.runOnce();
    expect((await get(storefrontUrl(loose.id), storefrontAuth('a', 'u7'))).statusCode).toBe(200);

    // The erasure route (issue 14) deletes the subject's files along with their key.
    const erasure = await t.app.inject({
      method: 'POST',
      url: '/service/platform/lead/v1.0/company/1/privacy/erasure',
      headers: await staffAuth(t, 'one'),
      payload: { user_id: 'u7' },
    });
    expect(erasure.statusCode).toBe(200);
    expect(erasure.json().files_deleted).toBe(2);
    const ids = [linked.id, loose.id];
    for (const id of ids) {
      expectProblem(await get(storefrontUrl(id), storefrontAuth('a', 'u7')), 404);
      expect(existsSync(join(dir, 'attachments', id.slice(0, 2), id))).toBe(false);
      expect((await t.store.readStream(`attachment-${id}`)).map((e) => [e.type, e.data.reason])).toEqual([
        ['AttachmentUploaded', undefined],
        ['AttachmentDeleted', 'erasure'],
      ]);
    }
    expect(await retention.deleteBlobsOfSubject({ userId: 'u7' })).toEqual([]);
  });

  it('still serves the files after a restart', async () => {
    const [file] = (await upload(`${SHOP}/upload`, u1(), { filename: 'keep.pdf', type: 'application/pdf', content: PDF })).json().items;
    await t.close();
    t = await startTestApp(overrides, dir);
    const res = await get(storefrontUrl(file.id), u1());
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PDF)).toBe(true);
  });
});

describe('attachments: retention of unlinked uploads (end to end)', () => {
  let t: TestApp;
  const { dir, overrides } = setup({ unlinkedRetentionMs: 1 });
  beforeAll(async () => (t = await startTestApp(overrides, dir)));
  afterAll(async () => t.dispose());

  it('deletes uploads no ticket references once they are older than the retention, and records it', async () => {
    const send = async (filename: string) => {
      const body = multipart({ filename, type: 'image/png', content: PNG });
      const res = await t.app.inject({
        method: 'POST',
        url: `${SHOP}/upload`,
        headers: { ...storefrontAuth('a', 'u1'), ...body.headers },
        payload: body.payload,
      });
      return res.json().items[0];
    };
    const loose = await send('loose.png');
    const kept = await send('kept.png');
    await t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/`,
      headers: storefrontAuth('a', 'u1'),
      payload: { category: 'c', content: { title: 't', description: '', attachments: [asset(kept)] } },
    });
    await new Promise((done) => setTimeout(done, 5));
    expect(await t.app.get(AttachmentRetention).runOnce()).toBe(1);
    const status = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `${SHOP}/attachments/${id}`, headers: storefrontAuth('a', 'u1') })).statusCode;
    expect(await status(loose.id)).toBe(404);
    expect(await status(kept.id)).toBe(200);
    expect((await t.store.readStream(`attachment-${loose.id}`)).at(-1)).toMatchObject({
      type: 'AttachmentDeleted',
      data: { reason: 'retention' },
      metadata: { actor: { type: 'system', id: 'attachment-retention' } },
    });
  });
});

describe('attachments: virus-scan hook (end to end)', () => {
  let t: TestApp;
  const scanDir = mkdtempSync(join(tmpdir(), 'lead-scan-'));
  const script = join(scanDir, 'scan.sh');
  writeFileSync(script, '#!/bin/sh\n# refuses any file that holds the word EICAR\nif grep -q EICAR "$1"; then exit 1; fi\nexit 0\n');
  chmodSync(script, 0o755);
  const { dir, overrides } = setup({ scanCommand: script, maxBytes: 3 * 1024 * 1024 });
  beforeAll(async () => (t = await startTestApp(overrides, dir)));
  afterAll(async () => {
    await t.dispose();
    rmSync(scanDir, { recursive: true, force: true });
  });

  const send = (content: Buffer) => {
    const body = multipart({ filename: 'note.txt', type: 'text/plain', content });
    return t.app.inject({
      method: 'POST',
      url: `${SHOP}/upload`,
      headers: { ...storefrontAuth('a', 'u1'), ...body.headers },
      payload: body.payload,
    });
  };

  it('refuses what the scanner refuses with a 422 problem, removing the file; passes the rest', async () => {
    const refused = await send(Buffer.from('plain text with EICAR inside'));
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const files = readdirSync(join(dir, 'attachments'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toEqual([]);
    expect((await t.store.readAll({ maxCount: 100_000 })).filter((e) => e.type === 'AttachmentUploaded')).toEqual([]);

    const passed = await send(Buffer.from('plain, clean text'));
    expect(passed.statusCode).toBe(201);
    expect(passed.json().items[0]).toMatchObject({ content_type: 'text/plain', type: 'file' });
  });

  it('streams a file larger than the JSON body limit (LEAD_BODY_LIMIT_BYTES) up to its own limit', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 5, 'a');
    expect(big.length).toBeGreaterThan(t.settings.bodyLimitBytes);
    const res = await send(big);
    expect(res.statusCode).toBe(201);
    expect(res.json().items[0]).toMatchObject({ size: big.length, sha256: sha256(big) });
  });
});

describe('attachments: S3-compatible blob store (end to end, against an in-process fake S3)', () => {
  let t: TestApp;
  const s3 = fakeS3();
  const keys = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    await new Promise<void>((done) => s3.server.listen(0, '127.0.0.1', done));
    // The SDK's default credential chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
    const { dir, overrides } = setup({
      store: 's3',
      s3: {
        bucket: 'files',
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${(s3.server.address() as AddressInfo).port}`,
        prefix: 'lead/',
        forcePathStyle: true,
      },
    });
    t = await startTestApp(overrides, dir);
  });
  afterAll(async () => {
    await t.dispose();
    await new Promise((done) => s3.server.close(done));
    Object.assign(process.env, keys);
    for (const [k, v] of Object.entries(keys)) if (v === undefined) delete process.env[k];
  });

  it('stores the upload as an object in the bucket and serves it back', async () => {
    const body = multipart({ filename: 'doc.pdf', type: 'application/pdf', content: PDF });
    const res = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/upload`,
      headers: { ...storefrontAuth('a', 'u1'), ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(201);
    const { id } = res.json().items[0];
    expect(s3.objects.get(`/files/lead/${id}`)).toEqual({ body: PDF, contentType: 'application/pdf' });
    expect(s3.requests.at(-1)!.authorization).toMatch(/Credential=AKIDTEST\//);
    const download = await t.app.inject({ method: 'GET', url: `${SHOP}/attachments/${id}`, headers: storefrontAuth('a', 'u1') });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(PDF)).toBe(true);
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
  });
});

// SQLite only: the child-process server runs on the default store (the in-process restart above runs on
// every store); what this adds is a SIGKILL right after the 201, with no shutdown hook.
describe('attachments: a 201 upload survives kill -9 (end to end, child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lead-e2e-att-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const auth = () => storefrontAuth('a', 'u1');

  onStores('sqlite')(
    'serves the file after the server was killed right after answering the upload',
    async () => {
      let server = await startServer(dir);
      const form = new FormData();
      form.append('file', new Blob([PDF], { type: 'application/pdf' }), 'crash.pdf');
      const res = await fetch(`${server.url}${SHOP}/upload`, { method: 'POST', headers: auth(), body: form });
      expect(res.status).toBe(201);
      const [file] = ((await res.json()) as { items: { id: string }[] }).items;
      await server.kill9();
      server = await startServer(dir);
      try {
        const download = await fetch(`${server.url}${SHOP}/attachments/${file.id}`, { headers: auth() });
        expect(download.status).toBe(200);
        expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);
      } finally {
        await server.kill9();
      }
    },
    120_000,
  );
});
