import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBasicAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { DomainError } from '../command/domain-error';
import { basicCredentials } from './basic-credentials';
import { ClientRegistry } from './client-registry';
import { StaffTokens } from './staff-tokens';

/**
 * OAuth2 client credentials (RFC 6749 4.4) as Fynd platform clients use it: HTTP Basic api_key:api_secret
 * (or client_id/client_secret in the form), grant_type=client_credentials. Errors are problem details that
 * also carry the RFC's `error` code, so OAuth libraries understand them.
 */
@ApiTags('staff: authentication')
@Controller('service/panel/authentication/v1.0/company/:company_id/oauth/token')
export class OAuthController {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly tokens: StaffTokens,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiBasicAuth()
  @ApiOperation({ summary: 'Exchange api_key/api_secret for a bearer token (grant_type=client_credentials)' })
  @ApiOkResponse({
    description: 'an OAuth2 access token (RFC 6749 5.1)',
    schema: {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in'],
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer', description: 'seconds' },
      },
    },
  })
  token(@Param('company_id') companyId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest) {
    const form = body ?? {};
    if (form.grant_type !== 'client_credentials') {
      throw new DomainError('invalid', 'grant_type must be client_credentials', { error: 'unsupported_grant_type' });
    }
    const [clientId, secret] = credentials(request.headers.authorization, form);
    const client = clientId && secret ? this.clients.verifyStaffClient(clientId, secret) : undefined;
    if (!client || client.company_id !== companyId) {
      throw new DomainError('unauthorized', 'Unknown client, wrong secret, or a client of another company', { error: 'invalid_client' });
    }
    return this.tokens.issue(client.client_id, client.company_id);
  }
}

function credentials(authorization: string | undefined, form: Record<string, unknown>): [string?, string?] {
  const basic = basicCredentials(authorization);
  if (basic.kind === 'malformed') throw new DomainError('invalid', basic.reason, { error: 'invalid_request' });
  if (basic.kind === 'pair') return [basic.clientId, basic.secret];
  const id = form.client_id;
  const secret = form.client_secret;
  return typeof id === 'string' && typeof secret === 'string' ? [id, secret] : [];
}
