import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The API answers JSON only, so no response may be taken for a page: `nosniff` stops a browser from guessing
 * HTML out of a JSON body, and a CSP of `default-src 'none'` keeps even an opened response from running or
 * loading anything. The docs UI (/docs) is a page: it gets a CSP of its own (its scripts and styles from this
 * origin, the inline style and data: icons of Swagger UI).
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const DOCS_PAGE = /^\/docs(\/(?!json)|$|\?)/;

function setHeaders(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('x-content-type-options', 'nosniff');
  // A route that serves something other than JSON (a file download) sets a CSP of its own: it stays.
  if (!reply.hasHeader('content-security-policy'))
    void reply.header('content-security-policy', DOCS_PAGE.test(request.url) ? DOCS_CSP : API_CSP);
}

export function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    setHeaders(request, reply);
    done();
  });
}

/** The headers of a response written without Fastify (see writeClientErrorProblem). */
export const API_HEADERS = { 'x-content-type-options': 'nosniff', 'content-security-policy': API_CSP };

/** Fastify answers its `frameworkErrors` outside the hooks: the wrapped handler sets the headers itself. */
export function withSecurityHeaders<E>(handler: (error: E, request: FastifyRequest, reply: FastifyReply) => void) {
  return (error: E, request: FastifyRequest, reply: FastifyReply): void => {
    setHeaders(request, reply);
    handler(error, request, reply);
  };
}
