import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Stats, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LruMap } from 'toad-cache';
import { SETTINGS, Settings } from '../config/settings';
import { newObjectId } from '../command/object-id';

export interface ApplicationClient {
  readonly application_id: string;
  readonly company_id: string;
  readonly name?: string;
  /** hex SHA-256 of the application token. */
  readonly token_sha256: string;
}

/** A staff API client (Fynd platform api_key / api_secret), exchanged for a bearer token. */
export interface StaffClient {
  readonly client_id: string;
  readonly company_id: string;
  readonly name?: string;
  /** hex SHA-256 of the api secret. */
  readonly secret_sha256: string;
}

export interface ClientsFile {
  applications: ApplicationClient[];
  staff_clients: StaffClient[];
}

/**
 * The callers this service knows, from a JSON file (LEAD_CLIENTS_FILE). Only hashes of secrets are stored.
 * Tokens are long random strings, not passwords, so a fast hash is enough: nobody can guess a preimage, and
 * verifying on every request costs microseconds.
 *
 * The file is read again when it changes (checked at most every LEAD_CLIENTS_RELOAD_MS, by its size and
 * times), so removing a client takes effect without a restart: its staff tokens stop working at the next
 * request (the guard looks the client up on each one) and its secret no longer gets new ones. A file that
 * cannot be read or parsed on reload keeps the clients already loaded, and the error is logged.
 */
@Injectable()
export class ClientRegistry {
  private readonly logger = new Logger(ClientRegistry.name);
  private applications = new Map<string, ApplicationClient>();
  private staffClients = new Map<string, StaffClient>();
  private fileVersion = '';
  private checkedAt = 0;
  /**
   * Application tokens that verified, with the hash they matched: a storefront sends the same token on every
   * call, so it is hashed once. Still checked against the file as it is now on every call (a removed application
   * or a changed token stops working at once). Bounded; failures are not remembered.
   */
  private readonly verifiedTokens = new LruMap<string>(VERIFIED_TOKENS);

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {
    this.use(this.load());
  }

  /** The application whose id and token these are, or undefined. */
  verifyApplication(applicationId: string, token: string): ApplicationClient | undefined {
    const app = this.application(applicationId);
    if (!app) return undefined;
    const key = `${applicationId}\n${token}`;
    if (this.verifiedTokens.get(key) === app.token_sha256) return app;
    if (!sameHash(token, app.token_sha256)) return undefined;
    this.verifiedTokens.set(key, app.token_sha256);
    return app;
  }

  /** The staff client whose key and secret these are, or undefined. */
  verifyStaffClient(clientId: string, secret: string): StaffClient | undefined {
    const client = this.staffClient(clientId);
    return client && sameHash(secret, client.secret_sha256) ? client : undefined;
  }

  application(applicationId: string): ApplicationClient | undefined {
    this.refresh();
    return this.applications.get(applicationId);
  }

  /** The staff client as the file has it now; undefined once it has been removed. */
  staffClient(clientId: string): StaffClient | undefined {
    this.refresh();
    return this.staffClients.get(clientId);
  }

  private use(file: ClientsFile): void {
    this.applications = new Map(file.applications.map((app) => [app.application_id, app]));
    this.staffClients = new Map(file.staff_clients.map((client) => [client.client_id, client]));
  }

  /** Reads the file again if it has changed since it was last read (a stat at most every reload interval). */
  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < this.settings.clientsReloadMs) return;
    this.checkedAt = now;
    let version: string;
    try {
      version = versionOf(statSync(this.settings.clientsFile));
    } catch (error) {
      if (this.fileVersion !== 'missing')
        this.logger.error(`cannot read ${this.settings.clientsFile} (${(error as Error).message}); keeping the clients loaded before`);
      this.fileVersion = 'missing';
      return;
    }
    if (version === this.fileVersion) return;
    try {
      this.use(this.read());
      this.fileVersion = version;
      this.logger.log(
        `reloaded ${this.settings.clientsFile}: ${this.applications.size} application(s), ${this.staffClients.size} staff client(s)`,
      );
    } catch (error) {
      // Remembered, so a broken file is reported once, not on every request; fixing it changes its version.
      this.fileVersion = version;
      this.logger.error(`cannot reload ${this.settings.clientsFile} (${(error as Error).message}); keeping the clients loaded before`);
    }
  }

  private read(): ClientsFile {
    const path = this.settings.clientsFile;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientsFile>;
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path} must hold {"applications": [...], "staff_clients": [...]}`);
    return { applications: parsed.applications ?? [], staff_clients: parsed.staff_clients ?? [] };
  }

  private load(): ClientsFile {
    const path = this.settings.clientsFile;
    const file = existsSync(path) ? this.read() : this.createDevelopmentClients(path);
    this.fileVersion = versionOf(statSync(path));
    this.checkedAt = Date.now();
    return file;
  }

  /** First start without configuration: a development application and staff client, secrets printed once. */
  private createDevelopmentClients(path: string): ClientsFile {
    const applicationId = newObjectId();
    const token = randomBytes(24).toString('base64url');
    const staffKey = newObjectId();
    const staffSecret = randomBytes(24).toString('base64url');
    const file: ClientsFile = {
      applications: [{ application_id: applicationId, company_id: '1', name: 'Development storefront', token_sha256: sha256(token) }],
      staff_clients: [{ client_id: staffKey, company_id: '1', name: 'Development staff client', secret_sha256: sha256(staffSecret) }],
    };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    const bearer = Buffer.from(`${applicationId}:${token}`).toString('base64');
    // Plain text on stderr, not a JSON log line: a person reads this once and copies the commands.
    const howTo = [
      `No clients file was found, so ${path} was created with a development application (company 1).`,
      `Its token is shown only now. Call the API with:`,
      `  export LEAD_AUTH="Authorization: Bearer ${bearer}"`,
      `  curl -s -H "$LEAD_AUTH" -H 'content-type: application/json' -X POST http://${this.settings.host}:${this.settings.port}/service/application/lead/v1.0/ticket/ -d '{"category":"general","content":{"title":"Hello"}}'`,
      `Staff routes (company 1): get a token with api_key ${staffKey} and api_secret ${staffSecret}:`,
      `  curl -s -u '${staffKey}:${staffSecret}' -d grant_type=client_credentials http://${this.settings.host}:${this.settings.port}/service/panel/authentication/v1.0/company/1/oauth/token`,
    ].join('\n');
    process.stderr.write(`\n${howTo}\n\n`);
    this.logger.warn(
      `No clients file was found: created ${path} with a development application and staff client (secrets printed to stderr once)`,
    );
    return file;
  }
}

const VERIFIED_TOKENS = 1024;

const versionOf = (stats: Stats) => `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;

function sameHash(secret: string, storedHex: string): boolean {
  const given = createHash('sha256').update(secret).digest();
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored);
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
