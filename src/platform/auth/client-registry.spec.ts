import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../config/settings';
import { ClientRegistry } from './client-registry';

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
