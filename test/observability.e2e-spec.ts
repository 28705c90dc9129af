import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { drift, parseExposition, referencesOf } from './support/metric-references';
import { TestApp, startTestApp, storefrontAuth } from './support/test-app';

/**
 * docker/observability/ (alert rules, Grafana dashboard, Prometheus config) against what the service really
 * exports: a renamed metric or label fails here instead of leaving a silent panel or an alert that never fires.
 */
const DIR = join(__dirname, '..', 'docker', 'observability');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const BASE = '/service/application/lead/v1.0';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (): Rule[] => (parse(read('alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

interface Panel {
  id: number;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
  panels?: Panel[];
}
const dashboard = () =>
  JSON.parse(read('grafana/dashboards/lead.json')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { query: { query: string } }[] };
  };
const panelsOf = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);

/** promtool from PATH or PROMTOOL (Debian's `prometheus` package ships it); not installable from npm. */
function findPromtool(): string | undefined {
  if (process.env.PROMTOOL) return process.env.PROMTOOL;
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'promtool'))
    .find((p) => existsSync(p));
}

describe('metric references (the drift check itself)', () => {
  const exported = parseExposition(
    [
      '# TYPE lead_x_total counter',
      'lead_x_total{route="/a",status_code="200"} 1',
      '# TYPE lead_h_seconds histogram',
      'lead_h_seconds_bucket{le="0.1",route="/a"} 1',
      '# TYPE lead_g gauge',
      'lead_g 0',
    ].join('\n'),
  );

  it('reads selectors, groupings, functions, ranges and template queries', () => {
    expect(
      referencesOf(
        'sum by (route) (rate(lead_x_total{status_code=~"5..",instance=~"$i"}[5m])) / sum(rate(lead_x_total[$__rate_interval])) > 0.05',
      ),
    ).toEqual({
      selectors: new Map([['lead_x_total', new Set(['status_code', 'instance'])]]),
      groupings: new Set(['route']),
    });
    expect(referencesOf('lead_g == 0 or up{job="lead"} == 0').selectors).toEqual(
      new Map([
        ['lead_g', new Set()],
        ['up', new Set(['job'])],
      ]),
    );
    expect(referencesOf('label_values(lead_g, instance)').selectors).toEqual(new Map([['lead_g', new Set(['instance'])]]));
  });

  it('passes what is exported; names unknown metrics, labels and groupings', () => {
    expect(
      drift(
        [
          'histogram_quantile(0.95, sum by (le, route) (rate(lead_h_seconds_bucket[5m])))',
          'lead_g == 0 or up == 0',
          'lead_x_total{job="lead"}',
        ],
        exported,
      ),
    ).toEqual([]);
    expect(drift(['rate(lead_y_total[5m])', 'lead_x_total{code="500"}', 'sum by (projection) (lead_g)'], exported)).toEqual([
      'lead_y_total: not exported (in rate(lead_y_total[5m]))',
      'lead_x_total: has no label "code" (in lead_x_total{code="500"})',
      'label "projection" is on none of the metrics of: sum by (projection) (lead_g)',
    ]);
  });
});

describe('docker/observability against the running service (end to end)', () => {
  let t: TestApp;
  let scrape: string;
  beforeAll(async () => {
    t = await startTestApp();
    // A write and a read, so the per-route and per-result series exist (prom-client shows labelled series once used).
    const created = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: storefrontAuth('a', 'alice'),
      payload: { category: 'order-issue', content: { title: 'Late' } },
    });
    expect(created.statusCode).toBe(201);
    await t.app.inject({ method: 'GET', url: `${BASE}/ticket/${created.json()._id}`, headers: storefrontAuth('a', 'alice') });
    await t.app.inject({ method: 'GET', url: '/metrics' });
    scrape = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  });
  afterAll(async () => t.dispose());

  it('every alert rule references only exported metrics and labels', () => {
    const all = rules();
    expect(all.map((r) => r.alert).sort()).toEqual(['LeadHigh5xxRate', 'LeadNotReady', 'LeadProjectionHalted', 'LeadProjectionLagging']);
    expect(
      drift(
        all.map((r) => r.expr),
        parseExposition(scrape),
      ),
    ).toEqual([]);
    for (const r of all)
      expect(r).toMatchObject({
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(/^(page|warn)$/) },
        annotations: { summary: expect.any(String) },
      });
  });

  it('every dashboard query references only exported metrics and labels; panels use the provisioned data source', () => {
    const d = dashboard();
    const panels = panelsOf(d.panels);
    const exprs = [...panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr)), ...d.templating.list.map((v) => v.query.query)];
    const titles = panels.map((p) => (p as { title?: string }).title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Requests per second by route',
        'Latency by route (p50 / p95 / p99)',
        'Appends per second by result',
        'Projection lag (events)',
        'Parked events',
        'Webhook deliveries (placeholder)',
      ]),
    );
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    expect(drift(exprs, parseExposition(scrape))).toEqual([]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const datasources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string }[] };
    const uids = datasources.datasources.map((s) => s.uid);
    for (const p of panels) if (p.type !== 'text') expect(uids).toContain(p.datasource?.uid);
  });

  it('the alert unit tests feed series the service really exports', () => {
    const tests = parse(read('alerts.test.yml')) as { tests: { input_series: { series: string }[] }[] };
    const series = tests.tests.flatMap((x) => x.input_series.map((s) => s.series));
    expect(drift(series, parseExposition(scrape))).toEqual([]);
  });

  const promtool = findPromtool();
  (promtool ? it : it.skip)(
    `promtool checks the Prometheus config and runs the alert unit tests${promtool ? '' : ' (skipped: promtool not on PATH; set PROMTOOL)'}`,
    () => {
      const run = (...args: string[]) => execFileSync(promtool!, args, { cwd: DIR, encoding: 'utf8', stdio: 'pipe' });
      expect(run('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 4 rules found/);
      expect(run('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
    },
  );
});
