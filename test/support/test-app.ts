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
    }),
  );
  const settings: Settings = {
    ...loadSettings({ LEAD_DATA_DIR: dataDir, LEAD_STORE: process.env.LEAD_TEST_STORE ?? 'sqlite', LEAD_EVENTSTOREDB_URL: process.env.LEAD_TEST_ESDB_URL }),
    clientsFile,
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
