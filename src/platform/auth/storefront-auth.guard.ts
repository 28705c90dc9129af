import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Caller, StorefrontCaller, ticketAccessKeyHeader } from './caller';
import { ClientRegistry } from './client-registry';
import { StorefrontIdentity } from './storefront-identity';

/**
 * Storefront calls authenticate as Fynd application clients do:
 * `Authorization: Bearer base64(application_id:application_token)`. That token ships in the storefront's
 * pages, so it names the application, never the user: the user is proven by StorefrontIdentity.
 */
@Injectable()
export class StorefrontAuthGuard implements CanActivate {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly identity: StorefrontIdentity,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+([A-Za-z0-9+/=_-]+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer base64(application_id:application_token)');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const app = colon > 0 ? this.clients.verifyApplication(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
    if (!app) throw new UnauthorizedException('Unknown application or wrong token');
    const userId = await this.identity.userOf(request.headers, request.socket?.remoteAddress);
    const accessKey = ticketAccessKeyHeader(request.headers['x-ticket-access-key']);
    const caller: StorefrontCaller = {
      kind: 'storefront',
      companyId: app.company_id,
      applicationId: app.application_id,
      ...(userId !== undefined ? { userId } : {}),
      ...(accessKey !== undefined ? { ticketAccessKey: accessKey } : {}),
    };
    request.caller = caller;
    return true;
  }
}
