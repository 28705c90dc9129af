import { createServer, IncomingMessage, Server } from 'node:http';

/** A tiny in-process S3: path-style PUT/GET/DELETE of objects in memory, S3's XML error for a missing key. */
export function fakeS3() {
  const objects = new Map<string, { body: Buffer; contentType: string }>();
  const requests: { method: string; path: string; authorization: string }[] = [];
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((done) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks)));
    });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      requests.push({ method: req.method!, path, authorization: String(req.headers.authorization ?? '') });
      if (req.method === 'PUT') {
        objects.set(path, { body: await body(req), contentType: String(req.headers['content-type'] ?? '') });
        res.writeHead(200, { etag: '"e"' }).end();
      } else if (req.method === 'GET') {
        const object = objects.get(path);
        if (!object) {
          res.writeHead(404, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
          return;
        }
        res.writeHead(200, { 'content-type': object.contentType, 'content-length': object.body.length }).end(object.body);
      } else if (req.method === 'DELETE') {
        objects.delete(path);
        res.writeHead(204).end();
      } else res.writeHead(405).end();
    })();
  });
  return { server, objects, requests };
}
