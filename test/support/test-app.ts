import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/auth/client-registry';
import { createApp } from '../../src/bootstrap';
import { Settings, loadSettings } from '../../src/config/settings';
import { EVENT_STORE, EventStore } from '../../src/event-store/event-store.port';

/** Two companies; company 1 has two storefront applications. Tokens are known here, stored hashed. */
export const APPS = {
  a: { application_id: '000000000000000000000a01', company_id: '1', token: 'token-a-0123456789abcdef' },
  b: { application_id: '000000000000000000000b02', company_id: '1', token: 'token-b-0123456789abcdef' },
  c: { application_id: '000000000000000000000c03', company_id: '2', token: 'token-c-0123456789abcdef' },
} as const;

export type AppKey = keyof typeof APPS;

/** Staff API clients: one per company. */
export const STAFF = {
  one: { client_id: 'staff-client-1', company_id: '1', secret: 'staff-secret-1-0123456789' },
  two: { client_id: 'staff-client-2', company_id: '2', secret: 'staff-secret-2-0123456789' },
} as const;

export type StaffKey = keyof typeof STAFF;

/** Gets a bearer token from the OAuth endpoint, as a platform client would. */
export async function staffAuth(t: TestApp, key: StaffKey, userId?: string): Promise<Record<string, string>> {
  const client = STAFF[key];
  const res = await t.app.inject({
    method: 'POST',
    url: `/service/panel/authentication/v1.0/company/${client.company_id}/oauth/token`,
    headers: {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: 'grant_type=client_credentials',
  });
  if (res.statusCode !== 200) throw new Error(`token endpoint answered ${res.statusCode}: ${res.body}`);
  const headers: Record<string, string> = { authorization: `Bearer ${res.json().access_token}` };
  if (userId) headers['x-user-id'] = userId;
  return headers;
}

export function storefrontAuth(key: AppKey, userId?: string): Record<string, string> {
  const app = APPS[key];
  const headers: Record<string, string> = {
    authorization: `Bearer ${Buffer.from(`${app.application_id}:${app.token}`).toString('base64')}`,
  };
  if (userId) headers['x-user-id'] = userId;
  return headers;
}

export interface TestApp {
  app: NestFastifyApplication;
  store: EventStore;
  dir: string;
  settings: Settings;
  /** Stops the app; the data directory stays for a restart until `dispose`. */
  close(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Boots the real application on a fresh data directory. LEAD_TEST_STORE picks the adapter (default sqlite),
 * so the same end-to-end suite can run against every store.
 */
export async function startTestApp(overrides: Partial<Settings> = {}, dir?: string): Promise<TestApp> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'lead-e2e-'));
  const clientsFile = join(dataDir, 'clients.json');
  writeFileSync(
    clientsFile,
    JSON.stringify({
      applications: Object.values(APPS).map(({ token, ...app }) => ({ ...app, token_sha256: sha256(token) })),
      staff_clients: Object.values(STAFF).map(({ secret, ...client }) => ({ ...client, secret_sha256: sha256(secret) })),
    }),
  );
  const settings: Settings = {
    ...loadSettings({ LEAD_DATA_DIR: dataDir, LEAD_STORE: process.env.LEAD_TEST_STORE ?? 'sqlite', LEAD_EVENTSTOREDB_URL: process.env.LEAD_TEST_ESDB_URL }),
    clientsFile,
    tokenSecret: 'test-token-secret',
    logLevel: process.env.LOG_LEVEL ?? 'silent', // LOG_LEVEL=info npx jest … to see the JSON logs
    ...overrides,
  };
  const app = await createApp(settings, { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  let closed = false;
  const close = async () => {
    if (!closed) await app.close();
    closed = true;
  };
  return {
    app,
    store: app.get<EventStore>(EVENT_STORE),
    dir: dataDir,
    settings,
    close,
    dispose: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
