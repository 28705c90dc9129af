import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The docs stay true in the ways a machine can check: the README stays short enough to read in one sitting,
 * no relative link or anchor points nowhere, and every environment variable the service reads is documented.
 */
const ROOT = resolve(__dirname, '..');
const README_MAX_LINES = 250;

/** Markdown with fenced code blocks blanked out: a `# comment` in a bash block is not a heading. */
function withoutCode(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, text] of withoutCode(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of one markdown file that point at a missing file or a missing heading anchor. */
export function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  const prose = withoutCode(markdown).replace(/`[^`\n]*`/g, '');
  for (const [, target] of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [path, anchor] = target.split('#', 2);
    const targetFile = path === '' ? file : resolve(dirname(file), path);
    const text = read(targetFile);
    if (text === undefined) broken.push(`${target} (no such file)`);
    else if (anchor !== undefined && targetFile.endsWith('.md') && !anchorsOf(text).has(anchor)) broken.push(`${target} (no such heading)`);
  }
  return broken;
}

/** Every environment variable settings.ts reads: `env.NAME`, `integer(env, 'NAME', …)`, and any LEAD_* name. */
export function settingsVariables(source: string): string[] {
  const names = new Set<string>();
  for (const pattern of [/\benv\.([A-Z][A-Z0-9_]*)/g, /\(env,\s*'([A-Z][A-Z0-9_]*)'/g, /\b(LEAD_[A-Z0-9_]+)\b/g]) {
    for (const [, name] of source.matchAll(pattern)) names.add(name);
  }
  return [...names].sort();
}

const readIfPresent = (path: string): string | undefined => {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a directory: it exists, and has no headings
  }
};

const docFiles = (): string[] => [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
  join(ROOT, 'bench', 'README.md'),
];

describe('the checks themselves', () => {
  it('derive GitHub anchors, ignoring code blocks and numbering repeats', () => {
    const md = '# Lead service\n## Blue/green rebuilds\n```bash\n# not a heading\n```\n### `LEAD_STORE` and more\n## Notes\n## Notes\n';
    expect([...anchorsOf(md)]).toEqual(['lead-service', 'bluegreen-rebuilds', 'lead_store-and-more', 'notes', 'notes-1']);
  });

  it('find a link to a missing file and to a missing heading, and accept good ones', () => {
    const files: Record<string, string> = { '/d/a.md': '# A\n## Two words\n', '/d/b.md': '# B\n' };
    const md = '[ok](a.md#two-words) [self](#b) [gone](c.md) [bad anchor](a.md#three) [web](https://x.test/#y) `[code](nope.md)`\n';
    expect(brokenLinks('/d/b.md', md, (p) => files[p])).toEqual(['c.md (no such file)', 'a.md#three (no such heading)']);
  });

  it('find the variables settings.ts reads', () => {
    const src = "host: env.HOST ?? 'x', port: integer(env, 'PORT', 3000), key: env.LEAD_AUDIT_KEY, n: integer(env, 'LEAD_X_MS', 1)";
    expect(settingsVariables(src)).toEqual(['HOST', 'LEAD_AUDIT_KEY', 'LEAD_X_MS', 'PORT']);
  });
});

describe('the docs', () => {
  it(`keep README.md at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('have no relative link to a missing file or heading (README.md, docs/*.md, bench/README.md)', () => {
    const broken = docFiles().flatMap((file) =>
      brokenLinks(file, readFileSync(file, 'utf8'), readIfPresent).map((link) => `${relative(ROOT, file)}: ${link}`),
    );
    expect(broken).toEqual([]);
  });

  it('document in docs/configuration.md every environment variable that src/platform/config/settings.ts reads', () => {
    const variables = settingsVariables(readFileSync(join(ROOT, 'src/platform/config/settings.ts'), 'utf8'));
    expect(variables.length).toBeGreaterThan(20); // the extraction still finds them
    const configuration = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const undocumented = variables.filter((name) => !configuration.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
