import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Caller, StorefrontCaller, userIdHeader } from './caller';
import { ClientRegistry } from './client-registry';

/**
 * Storefront calls authenticate as Fynd application clients do:
 * `Authorization: Bearer base64(application_id:application_token)`.
 */
@Injectable()
export class StorefrontAuthGuard implements CanActivate {
  constructor(private readonly clients: ClientRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+([A-Za-z0-9+/=_-]+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer base64(application_id:application_token)');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const app = colon > 0 ? this.clients.verifyApplication(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
    if (!app) throw new UnauthorizedException('Unknown application or wrong token');
    const userId = userIdHeader(request.headers['x-user-id']);
    if (userId === false) throw new UnauthorizedException('x-user-id is not a valid user id');
    const caller: StorefrontCaller = { kind: 'storefront', companyId: app.company_id, applicationId: app.application_id, userId };
    request.caller = caller;
    return true;
  }
}
