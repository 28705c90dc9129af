import { FastifyRequest } from 'fastify';
import { Settings } from '../../../platform/config/settings';

/** LEAD_PUBLIC_URL, else the scheme and host the request came in on (behind a trusted proxy, x-forwarded-*). */
export function baseUrlOf(settings: Settings, request: FastifyRequest): string {
  return settings.attachments.publicUrl || `${request.protocol}://${request.host}`;
}
