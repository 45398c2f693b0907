import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@switchboard/testing';
import { parse } from 'yaml';
import { composeSchemaProblems, composeStackProblems, readCompose } from './compose.checks.js';
import { dashboardQueries, exposedMetricNames, metricNamesOf, missingDashboardMetrics, readDashboards } from './dashboard.checks.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const DEPLOY = join(REPO_ROOT, 'deploy');
const OBSERVABILITY = join(DEPLOY, 'observability');

/** What `docker compose -f a -f b` makes of two files, as far as these checks go: mappings merged key by key, anything else replaced. */
function mergeCompose(base: Json, overlay: Json): Json {
  if (base === null || overlay === null || typeof base !== 'object' || typeof overlay !== 'object' || Array.isArray(base) || Array.isArray(overlay)) return overlay;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = key in base ? mergeCompose(base[key], value) : value;
  return merged;
}

describe('deploy/observability: collector, Jaeger, Prometheus and Grafana beside the compose stack', () => {
  const base = readCompose(join(DEPLOY, 'compose.yaml'));
  const overlay = readCompose(join(OBSERVABILITY, 'compose.observability.yaml'));
  const merged = mergeCompose(base, overlay);
  const prometheus = parse(readFileSync(join(OBSERVABILITY, 'prometheus.yml'), 'utf8')) as Json;

  it('is a valid compose file, and the stack with it still runs as written (pinned images, health checks)', () => {
    expect(composeSchemaProblems(overlay)).toEqual([]);
    expect(composeSchemaProblems(merged)).toEqual([]);
    expect(composeStackProblems(merged)).toEqual([]);
    expect(Object.keys(overlay.services)).toEqual(expect.arrayContaining(['otel-collector', 'jaeger', 'prometheus', 'grafana']));
  });

  it('turns on every service metrics listener and scrapes each of them there', () => {
    const jobs = new Map<string, string[]>(
      prometheus.scrape_configs.map((job: Json) => [job.job_name, (job.dns_sd_configs ?? []).flatMap((sd: Json) => sd.names.map((name: string) => `${name}:${sd.port}`))]),
    );
    for (const [name, service] of Object.entries<Json>(merged.services)) {
      const kind = service.environment?.SERVICE;
      if (kind === undefined) continue;
      expect({ name, port: service.environment.SWITCHBOARD_METRICS_PORT, host: service.environment.SWITCHBOARD_METRICS_HOST }).toEqual({ name, port: '9464', host: '0.0.0.0' });
      expect(service.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      expect(jobs.get(kind)).toContain(`${name}:9464`);
    }
  });

  it('provisions Prometheus and Jaeger for Grafana, and every dashboard queries the provisioned Prometheus', () => {
    const datasources = parse(readFileSync(join(OBSERVABILITY, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'), 'utf8')) as Json;
    expect(datasources.datasources.map((d: Json) => [d.uid, d.url])).toEqual([
      ['prometheus', 'http://prometheus:9090'],
      ['jaeger', 'http://jaeger:16686'],
    ]);
    const dashboards = readDashboards(join(OBSERVABILITY, 'grafana', 'dashboards'));
    expect(dashboards.map((d) => d.file)).toEqual(['switchboard-internals.json', 'switchboard-overview.json', 'switchboard-providers.json']);
    for (const { dashboard } of dashboards) {
      for (const panel of dashboard.panels) expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({ title: panel.title, uid: 'prometheus' });
      expect(dashboardQueries('x', dashboard).length).toBeGreaterThan(0);
    }
  });
});

describe('the dashboard checks themselves', () => {
  it('read metric names out of PromQL', () => {
    expect(metricNamesOf('histogram_quantile(0.95, sum by (le, provider) (rate(a_seconds_bucket{provider=~"$provider", x="b_c"}[5m])))')).toEqual(['a_seconds_bucket']);
    expect(metricNamesOf('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[$__range])), 1e-9) * 3600')).toEqual(['a_total', 'b_total']);
    expect(metricNamesOf('max by (schema) (c_events) offset 5m unless on (schema) d_events')).toEqual(['c_events', 'd_events']);
    expect(metricNamesOf('label_values(e_total{provider=~"$provider"}, model)')).toEqual(['e_total']);
  });

  it('refuse a dashboard naming a metric no scrape exposes', () => {
    const [broken] = readDashboards(join(REPO_ROOT, 'test', 'deploy', 'fixtures')).filter((d) => d.file === 'broken-dashboard.json');
    const scrape = [
      '# HELP switchboard_proxy_calls_total calls',
      '# TYPE switchboard_proxy_calls_total counter',
      'switchboard_proxy_calls_total{provider="p",model="m",status_class="2xx"} 3',
      '# TYPE switchboard_proxy_call_duration_seconds histogram',
    ].join('\n');
    expect(missingDashboardMetrics(dashboardQueries(broken?.file ?? '', broken?.dashboard), exposedMetricNames(scrape))).toEqual([
      'broken-dashboard.json: typo: switchboard_proxy_call_duraton_seconds_bucket',
      'broken-dashboard.json: gone: switchboard_no_such_metric_total',
    ]);
  });
});
