/**
 * What the observability configuration (alert rules, dashboard) asks of the service's /metrics: the metric names
 * and label names each PromQL expression uses, checked against a real scrape. Not a PromQL parser: it reads the
 * subset the configuration uses (selectors, `by`/`without`/`on`/`ignoring` groupings, functions, ranges), and a
 * name it cannot place counts as a metric, so an unknown word makes the check fail rather than pass.
 */

export interface Exported {
  /** Metric name (histograms also under their _bucket, _sum and _count names) → label names seen on its samples. */
  readonly labels: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Reads the Prometheus text exposition format: `# TYPE` lines and the label names of every sample. */
export function parseExposition(text: string): Exported {
  const labels = new Map<string, Set<string>>();
  const add = (name: string, names: Iterable<string> = []) => {
    const set = labels.get(name) ?? new Set<string>();
    for (const n of names) set.add(n);
    labels.set(name, set);
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      add(type[1]);
      if (type[2] === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) add(type[1] + suffix, suffix === '_bucket' ? ['le'] : []);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (sample)
      add(
        sample[1],
        [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]),
      );
  }
  return { labels };
}

export interface References {
  /** Metric name → label names a selector on it matches on. */
  readonly selectors: Map<string, Set<string>>;
  /** Label names the expression groups or joins by. */
  readonly groupings: Set<string>;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/** The metrics and labels one PromQL expression references. */
export function referencesOf(expr: string): References {
  const selectors = new Map<string, Set<string>>();
  const groupings = new Set<string>();
  // Grafana's label_values(metric, label) is a template query, not PromQL.
  const labelValues = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(expr);
  if (labelValues) {
    selectors.set(labelValues[1], new Set([labelValues[2]]));
    return { selectors, groupings };
  }
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values, template variables)
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery brackets ([5m], [$__rate_interval])
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, names: string) => {
      for (const n of names
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        groupings.add(n);
      return ' ';
    });
  rest = rest.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g, (_m, name: string | undefined, matchers: string) => {
    const names = [...matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((m) => m[1]);
    if (!name) throw new Error(`selector without a metric name in: ${expr}`);
    const set = selectors.get(name) ?? new Set<string>();
    for (const n of names) set.add(n);
    selectors.set(name, set);
    return ' ';
  });
  for (const m of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call || KEYWORDS.has(word) || /^(e|inf|nan)$/i.test(word)) continue; // functions and aggregations, keywords
    if (/^\d/.test(rest.slice(m.index! - 1, m.index))) continue; // unit suffix of a number (5m) or exponent
    if (!selectors.has(word)) selectors.set(word, new Set());
  }
  return { selectors, groupings };
}

/**
 * Everything the expressions reference that the scrape does not show: unknown metrics, and labels no referenced
 * metric carries. `external` metrics come from elsewhere (Prometheus' own `up`); `targetLabels` are added by
 * Prometheus at scrape time (instance, job).
 */
export function drift(
  exprs: readonly string[],
  exported: Exported,
  { external = ['up'], targetLabels = ['instance', 'job'] }: { external?: string[]; targetLabels?: string[] } = {},
): string[] {
  const problems: string[] = [];
  for (const expr of exprs) {
    const { selectors, groupings } = referencesOf(expr);
    const available = new Set(targetLabels);
    for (const [metric, used] of selectors) {
      if (external.includes(metric)) continue;
      const has = exported.labels.get(metric);
      if (!has) {
        problems.push(`${metric}: not exported (in ${expr.trim()})`);
        continue;
      }
      for (const l of has) available.add(l);
      for (const l of used)
        if (!has.has(l) && !targetLabels.includes(l)) problems.push(`${metric}: has no label "${l}" (in ${expr.trim()})`);
    }
    for (const l of groupings) if (!available.has(l)) problems.push(`label "${l}" is on none of the metrics of: ${expr.trim()}`);
  }
  return problems;
}
