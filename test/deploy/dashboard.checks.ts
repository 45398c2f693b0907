import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Plain JSON walking: the checks read whatever the dashboards hold.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface DashboardQuery {
  /** `<file>: <panel title or variable name>`. */
  readonly where: string;
  readonly expr: string;
}

/** Every PromQL expression of a dashboard: panel targets (rows' nested panels too) and query variables. */
export function dashboardQueries(file: string, dashboard: Json): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const panels = (list: Json[]): void => {
    for (const panel of list ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string') queries.push({ where: `${file}: ${String(panel.title)}`, expr: target.expr });
      }
      panels(panel.panels);
    }
  };
  panels(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (variable.type === 'query' && typeof query === 'string') queries.push({ where: `${file}: $${String(variable.name)}`, expr: query });
  }
  return queries;
}

export function readDashboards(dir: string): Array<{ readonly file: string; readonly dashboard: Json }> {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json }));
}

/** PromQL words that are not metric names where a metric name could stand. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

/**
 * The metric names an expression selects. Strings, label matchers `{…}`, ranges `[…]` and grouping lists
 * `by (…)` are removed first; what is left that is an identifier and not a function call or keyword is a metric.
 * Grafana's `label_values(metric, label)` names its metric as the first argument.
 */
export function metricNamesOf(expr: string): string[] {
  const labelValues = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expr);
  if (labelValues) return [labelValues[1] as string];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![a-zA-Z0-9_:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const name = match[1] as string;
    if (match[2] !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * Every name a scrape can be queried by: each family of `# TYPE` lines (a histogram's `_bucket`, `_sum` and
 * `_count` series included, a summary's `_sum` and `_count`), and each sample's name.
 */
export function exposedMetricNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const line of scrape.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1] as string);
  }
  return names;
}

/** `<where>: <metric>` for each metric a dashboard queries that no scrape exposes. */
export function missingDashboardMetrics(queries: readonly DashboardQuery[], exposed: ReadonlySet<string>): string[] {
  const missing: string[] = [];
  for (const { where, expr } of queries) {
    for (const name of metricNamesOf(expr)) if (!exposed.has(name)) missing.push(`${where}: ${name}`);
  }
  return missing;
}

/** One sample's value from a scrape, by name and exact labels (order-insensitive); 0 when absent. */
export function sampleValue(scrape: string, name: string, labels: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const line of scrape.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3]);
  }
  return total;
}
