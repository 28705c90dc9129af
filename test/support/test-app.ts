import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/platform/auth/client-registry';
import { createApp } from '../../src/bootstrap';
import { Settings, loadSettings } from '../../src/platform/config/settings';
import { EVENT_STORE, EventStore } from '../../src/platform/event-store/event-store.port';
import { EsdbTestServer, startEsdbTestServer } from './esdb-test-server';

/** Two companies; company 1 has two storefront applications. Tokens are known here, stored hashed. */
export const APPS = {
  a: { application_id: '000000000000000000000a01', company_id: '1', token: 'token-a-0123456789abcdef' },
  b: { application_id: '000000000000000000000b02', company_id: '1', token: 'token-b-0123456789abcdef' },
  c: { application_id: '000000000000000000000c03', company_id: '2', token: 'token-c-0123456789abcdef' },
} as const;

export type AppKey = keyof typeof APPS;

/** Staff API clients: 'one' and 'three' of company 1, 'two' of company 2. */
export const STAFF = {
  one: { client_id: 'staff-client-1', company_id: '1', secret: 'staff-secret-1-0123456789' },
  two: { client_id: 'staff-client-2', company_id: '2', secret: 'staff-secret-2-0123456789' },
  three: { client_id: 'staff-client-3', company_id: '1', secret: 'staff-secret-3-0123456789' },
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

/** The store the end-to-end suites run on: LEAD_TEST_STORE=sqlite (default), memory or eventstoredb. */
export const TEST_STORE = (process.env.LEAD_TEST_STORE ?? 'sqlite') as Settings['store'];

/** Runs a test only on the stores where it means something (e.g. tampering with the SQLite file). */
export const onStores = (...stores: Settings['store'][]) => (stores.includes(TEST_STORE) ? it : it.skip);

// On eventstoredb without LEAD_TEST_ESDB_URL, each data directory gets its own wire-level test server, so
// every suite starts from an empty log (as it does on SQLite) and a restart finds the same log again.
const esdbServers = new Map<string, EsdbTestServer>();

async function eventStoreDbUrl(dataDir: string): Promise<string | undefined> {
  if (TEST_STORE !== 'eventstoredb' || process.env.LEAD_TEST_ESDB_URL) return process.env.LEAD_TEST_ESDB_URL;
  let server = esdbServers.get(dataDir);
  if (!server) esdbServers.set(dataDir, (server = await startEsdbTestServer({ batchAppend: true })));
  return server.connectionString;
}

/** The clients file of APPS and STAFF (hashed secrets) in `dir`; answers its path. */
export function writeClientsFile(dir: string): string {
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(
    clientsFile,
    JSON.stringify({
      applications: Object.values(APPS).map(({ token, ...app }) => ({ ...app, token_sha256: sha256(token) })),
      staff_clients: Object.values(STAFF).map(({ secret, ...client }) => ({ ...client, secret_sha256: sha256(secret) })),
    }),
  );
  return clientsFile;
}

/**
 * Boots the real application on a fresh data directory. LEAD_TEST_STORE picks the adapter (default sqlite),
 * so the same end-to-end suite can run against every store.
 */
export async function startTestApp(overrides: Partial<Settings> = {}, dir?: string): Promise<TestApp> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'lead-e2e-'));
  const clientsFile = writeClientsFile(dataDir);
  const settings: Settings = {
    ...loadSettings({ LEAD_DATA_DIR: dataDir, LEAD_STORE: TEST_STORE, LEAD_EVENTSTOREDB_URL: await eventStoreDbUrl(dataDir) }),
    clientsFile,
    tokenSecret: 'test-token-secret',
    // A configured LiveKit project's pair: the development default refuses webhooks (livekit-dev-pair suite).
    livekitApiKey: 'APItestkey',
    livekitApiSecret: 'test-livekit-secret-0123456789abcdef',
    // Suites fire hundreds of requests as one caller; the rate limit has its own suite.
    rateLimitPerMinute: 0,
    logLevel: process.env.LOG_LEVEL ?? 'silent', // LOG_LEVEL=info npx jest … to see the JSON logs
    ...overrides,
  };
  const app = await createApp(settings, { logger: process.env.LEAD_TEST_LOGS ? undefined : false });
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
      await esdbServers.get(dataDir)?.stop();
      esdbServers.delete(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
