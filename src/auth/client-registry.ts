import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SETTINGS, Settings } from '../config/settings';
import { newObjectId } from '../common/object-id';

export interface ApplicationClient {
  readonly application_id: string;
  readonly company_id: string;
  readonly name?: string;
  /** hex SHA-256 of the application token. */
  readonly token_sha256: string;
}

export interface ClientsFile {
  applications: ApplicationClient[];
}

/**
 * The callers this service knows, from a JSON file (LEAD_CLIENTS_FILE). Only hashes of secrets are stored.
 * Tokens are long random strings, not passwords, so a fast hash is enough: nobody can guess a preimage, and
 * verifying on every request costs microseconds.
 */
@Injectable()
export class ClientRegistry {
  private readonly logger = new Logger(ClientRegistry.name);
  private readonly applications = new Map<string, ApplicationClient>();

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {
    const file = this.load();
    for (const app of file.applications) this.applications.set(app.application_id, app);
  }

  /** The application whose id and token these are, or undefined. */
  verifyApplication(applicationId: string, token: string): ApplicationClient | undefined {
    const app = this.applications.get(applicationId);
    if (!app) return undefined;
    const given = createHash('sha256').update(token).digest();
    const stored = Buffer.from(app.token_sha256, 'hex');
    return stored.length === given.length && timingSafeEqual(given, stored) ? app : undefined;
  }

  private load(): ClientsFile {
    const path = this.settings.clientsFile;
    if (existsSync(path)) {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientsFile>;
      return { applications: parsed.applications ?? [] };
    }
    return this.createDevelopmentClients(path);
  }

  /** First start without configuration: one development application, its token printed once, never stored. */
  private createDevelopmentClients(path: string): ClientsFile {
    const applicationId = newObjectId();
    const token = randomBytes(24).toString('base64url');
    const file: ClientsFile = {
      applications: [{ application_id: applicationId, company_id: '1', name: 'Development storefront', token_sha256: sha256(token) }],
    };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    const bearer = Buffer.from(`${applicationId}:${token}`).toString('base64');
    this.logger.warn(
      [
        `No clients file was found, so ${path} was created with a development application (company 1).`,
        `Its token is shown only now. Call the API with:`,
        `  export LEAD_AUTH="Authorization: Bearer ${bearer}"`,
        `  curl -s -H "$LEAD_AUTH" -H 'content-type: application/json' -X POST http://${this.settings.host}:${this.settings.port}/service/application/lead/v1.0/ticket/ -d '{"category":"general","content":{"title":"Hello"}}'`,
      ].join('\n'),
    );
    return file;
  }
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
