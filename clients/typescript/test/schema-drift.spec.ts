import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { lineDiff } from '../scripts/line-diff';

const ROOT = resolve(__dirname, '../../..');
const SCHEMA_FILE = join(__dirname, '..', 'src', 'schema.ts');

/**
 * The committed src/schema.ts is what the service's OpenAPI document generates today. A route, field or
 * response schema changed without `npm run client:generate` fails here (and so in CI, which runs `npm test`).
 * The generator runs in a child process, as `npm run client:generate` does: openapi-typescript loads
 * ESM-only packages that jest's module system cannot.
 */
describe('generated client types', () => {
  let generated: string;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'clients/typescript/scripts/generate.ts', '--print'],
      { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') }, maxBuffer: 16 * 1024 * 1024 },
    );
    generated = stdout;
  }, 120_000);

  it('match the OpenAPI document of the running service (run `npm run client:generate` when this fails)', () => {
    expect(generated).toContain('"/service/platform/lead/v1.0/company/{company_id}/events"');
    expect(lineDiff(readFileSync(SCHEMA_FILE, 'utf8'), generated)).toEqual([]);
  });

  it('names a field the committed file lacks', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8').replace(/\n\s*is_feedback_pending: boolean;/, '');
    expect(lineDiff(committed, generated)).toEqual(['+ is_feedback_pending: boolean;']);
  });
});
