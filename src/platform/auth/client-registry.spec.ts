import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../config/settings';
import { ClientRegistry, sha256 } from './client-registry';

describe('ClientRegistry first start', () => {
  it('creates a development application and staff client, prints their secrets once and stores only hashes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-clients-'));
    const printed: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
    try {
      const registry = new ClientRegistry(loadSettings({ LEAD_DATA_DIR: dir }));
      const output = printed.join('');
      const bearer = /Bearer ([A-Za-z0-9+/=]+)/.exec(output)![1];
      const [applicationId, token] = Buffer.from(bearer, 'base64').toString('utf8').split(':');
      expect(registry.verifyApplication(applicationId, token)).toMatchObject({ company_id: '1' });
      const [, key, secret] = /-u '([^:]+):([^']+)'/.exec(output)!;
      expect(registry.verifyStaffClient(key, secret)).toMatchObject({ company_id: '1' });
      const stored = readFileSync(join(dir, 'clients.json'), 'utf8');
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(secret);
      // A second start reads the file and prints nothing.
      printed.length = 0;
      new ClientRegistry(loadSettings({ LEAD_DATA_DIR: dir }));
      expect(printed.join('')).toBe('');
    } finally {
      write.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ClientRegistry application tokens', () => {
  it('hashes a token that verified once, and still follows the file: a changed token or a removed application stops working at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-clients-'));
    const file = join(dir, 'clients.json');
    const write = (token: string | undefined) =>
      writeFileSync(
        file,
        JSON.stringify({
          applications: token ? [{ application_id: 'app-1', company_id: '1', token_sha256: sha256(token) }] : [],
          staff_clients: [],
        }),
      );
    try {
      write('token-one');
      const registry = new ClientRegistry(loadSettings({ LEAD_DATA_DIR: dir, LEAD_CLIENTS_RELOAD_MS: '0' }));
      // The module object client-registry calls into (an `import * as` namespace cannot be spied on).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const hashes = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'createHash');
      expect(registry.verifyApplication('app-1', 'token-one')).toMatchObject({ application_id: 'app-1' });
      expect(registry.verifyApplication('app-1', 'token-one')).toMatchObject({ application_id: 'app-1' });
      expect(hashes).toHaveBeenCalledTimes(1);
      expect(registry.verifyApplication('app-1', 'token-two')).toBeUndefined();
      hashes.mockRestore();

      write('token-two-longer'); // another size, so the reload sees a new version even within one mtime tick
      expect(registry.verifyApplication('app-1', 'token-one')).toBeUndefined();
      expect(registry.verifyApplication('app-1', 'token-two-longer')).toMatchObject({ application_id: 'app-1' });
      write(undefined);
      expect(registry.verifyApplication('app-1', 'token-two-longer')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
