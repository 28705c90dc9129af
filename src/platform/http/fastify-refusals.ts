import { FastifyServerOptions } from 'fastify';
import { sendFrameworkProblem, writeClientErrorProblem } from './problem-details.filter';
import { API_HEADERS, withSecurityHeaders } from './security-headers';

/**
 * Fastify options for the requests Fastify or Node refuse before any route runs (an undecodable path, an
 * overlong path segment, oversized headers, malformed HTTP): problem documents with the API's security
 * headers, like every other refusal.
 */
export function fastifyRefusals(): Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    frameworkErrors: withSecurityHeaders(sendFrameworkProblem),
    clientErrorHandler: (error, socket) => writeClientErrorProblem(error, socket, API_HEADERS),
  };
}
