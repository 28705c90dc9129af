import { CanActivate, ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Caller, StaffCaller, userIdHeader } from './caller';
import { ClientRegistry } from './client-registry';
import { StaffTokens } from './staff-tokens';

type Params = { company_id?: string; application_id?: string };

/**
 * Staff routes (/service/platform/lead/v1.0/company/{company_id}/...) take the bearer token from the OAuth
 * endpoint. A token of another company, or an application of another company, reads as 404: callers learn
 * nothing about other tenants, not even that a path exists for them.
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: StaffTokens,
    private readonly clients: ClientRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest<{ Params: Params }> & { caller?: Caller }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer <access_token from the oauth/token endpoint>');
    const claims = this.tokens.verify(match[1]);
    if (!claims) throw new UnauthorizedException('The access token is invalid or has expired');
    // A token outlives nothing it was issued for: once its client is removed from the clients file (or moved
    // to another company), it stops working at once rather than at its expiry.
    if (this.clients.staffClient(claims.sub)?.company_id !== claims.company_id) {
      throw new UnauthorizedException('The API client of this access token is no longer registered');
    }
    const { company_id: companyId, application_id: applicationId } = request.params;
    if (companyId !== claims.company_id) throw new NotFoundException('Not found');
    if (applicationId !== undefined && this.clients.application(applicationId)?.company_id !== companyId) {
      throw new NotFoundException(`Application ${applicationId} not found`);
    }
    const userId = userIdHeader(request.headers['x-user-id']);
    if (userId === false) throw new UnauthorizedException('x-user-id is not a valid user id');
    const caller: StaffCaller = { kind: 'staff', companyId, applicationId, clientId: claims.sub, userId };
    request.caller = caller;
    return true;
  }
}
