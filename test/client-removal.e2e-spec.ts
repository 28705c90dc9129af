import { writeFileSync } from 'node:fs';
import { sha256 } from '../src/platform/auth/client-registry';
import { APPS, STAFF, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const COMPANY_1 = '/service/platform/lead/v1.0/company/1';

/** Issue 10, point 8d: a staff token stops working once its client is gone from the clients file. */
describe('clients file changes (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clientsReloadMs: 0 });
  });
  afterAll(async () => t.dispose());

  const writeClients = (staff: { client_id: string; company_id: string; secret: string }[]) =>
    writeFileSync(
      t.settings.clientsFile,
      JSON.stringify({
        applications: Object.values(APPS).map(({ token, ...app }) => ({ ...app, token_sha256: sha256(token) })),
        staff_clients: staff.map(({ secret, ...client }) => ({ ...client, secret_sha256: sha256(secret) })),
      }),
    );
  const listTickets = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: `${COMPANY_1}/ticket`, headers });

  it('refuses the tokens of a removed client at once (401), keeps the others, and takes it back when re-added', async () => {
    const removed = await staffAuth(t, 'three');
    const kept = await staffAuth(t, 'one');
    expect((await listTickets(removed)).statusCode).toBe(200);

    writeClients([STAFF.one, STAFF.two]);
    const refused = await listTickets(removed);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toMatch(/no longer registered/);
    expect((await listTickets(kept)).statusCode).toBe(200);
    // Nor does its secret get a new token.
    await expect(staffAuth(t, 'three')).rejects.toThrow(/401/);

    writeClients(Object.values(STAFF));
    expect((await listTickets(removed)).statusCode).toBe(200);
  });

  it('refuses the tokens of a client moved to another company', async () => {
    const token = await staffAuth(t, 'three');
    writeClients([STAFF.one, STAFF.two, { ...STAFF.three, company_id: '2' }]);
    expect((await listTickets(token)).statusCode).toBe(401);
    writeClients(Object.values(STAFF));
  });

  it('stops authenticating a storefront application removed from the file', async () => {
    const url = '/service/application/lead/v1.0/ticket/000000000000000000000000';
    expect((await t.app.inject({ method: 'GET', url, headers: storefrontAuth('b') })).statusCode).toBe(404);
    writeFileSync(
      t.settings.clientsFile,
      JSON.stringify({
        applications: [APPS.a, APPS.c].map(({ token, ...app }) => ({ ...app, token_sha256: sha256(token) })),
        staff_clients: Object.values(STAFF).map(({ secret, ...client }) => ({ ...client, secret_sha256: sha256(secret) })),
      }),
    );
    expect((await t.app.inject({ method: 'GET', url, headers: storefrontAuth('b') })).statusCode).toBe(401);
    writeClients(Object.values(STAFF));
    expect((await t.app.inject({ method: 'GET', url, headers: storefrontAuth('b') })).statusCode).toBe(404);
  });

  it('keeps the clients it has when the file is broken on reload', async () => {
    const token = await staffAuth(t, 'one');
    writeFileSync(t.settings.clientsFile, '{ not json');
    expect((await listTickets(token)).statusCode).toBe(200);
    writeClients(Object.values(STAFF));
  });
});
