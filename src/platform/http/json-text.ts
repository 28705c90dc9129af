import { FastifyReply } from 'fastify';

/**
 * Answers with JSON text that is already serialised, such as a document a read model stores ready to send:
 * return what this returns from a route with `@Res({ passthrough: true })`. Fastify sends a string whose
 * content type is set as it is, so the document is neither parsed nor serialised again on the way out.
 */
export function jsonText(reply: FastifyReply, text: string): string {
  void reply.type('application/json; charset=utf-8');
  return text;
}
