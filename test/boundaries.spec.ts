import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
// The package's exports map hides its bin; it sits at a fixed place in node_modules.
const depcruise = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** The boundary lint's findings on a tree, as "rule from -> to" lines (no output besides JSON). */
function violations(cwd: string): string[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [depcruise, 'src', '--config', join(ROOT, '.dependency-cruiser.js'), '--output-type', 'json'], {
      cwd,
      encoding: 'utf8',
    });
  } catch (error) {
    out = (error as { stdout: string }).stdout; // it exits non-zero when it finds violations
  }
  const report = JSON.parse(out) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return report.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`).sort();
}

describe('boundary lint (npm run lint)', () => {
  it('finds each kind of violation in a tree made to break every rule', () => {
    expect(violations(join(ROOT, 'test/fixtures/boundaries'))).toEqual([
      'module-internals src/modules/beta/reaches-in.ts -> src/modules/alpha/internal.ts',
      'no-circular src/modules/beta/cycle-b.ts -> src/modules/beta/reaches-in.ts',
      'platform-imports-no-feature src/platform/knows-a-feature.ts -> src/modules/alpha/index.ts',
    ]);
  });

  it('finds none in the service', () => {
    expect(violations(ROOT)).toEqual([]);
  });
});
