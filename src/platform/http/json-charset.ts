import { FastifyInstance } from 'fastify';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const UTF8 = new Set(['utf-8', 'utf8']);

/**
 * The charset a JSON content type names, when it is not UTF-8 (`undefined` for UTF-8, no charset, or a body
 * that is not JSON). JSON on the wire is UTF-8 (RFC 8259 8.1) and every JSON parser here decodes UTF-8, so a
 * body declared as another charset would be read as the wrong text (UTF-16 as garbage or a parse error,
 * Latin-1's accented letters as replacement characters): it is refused instead of guessed at.
 */
export function foreignJsonCharset(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [mediaType, ...params] = contentType.split(';');
  if (!JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase())) return undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (!UTF8.has(charset)) return charset;
  }
  return undefined;
}

/** Refuses, before the body is read, a JSON body in another charset than UTF-8: 415, nothing parsed or stored. */
export function registerJsonCharsetCheck(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const charset = foreignJsonCharset(request.headers['content-type']);
    if (charset === undefined) return done();
    done(
      Object.assign(new Error(`JSON bodies must be UTF-8 (RFC 8259); charset=${charset.slice(0, 40)} is not accepted`), {
        statusCode: 415,
      }),
    );
  });
}
