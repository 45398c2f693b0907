import fc from 'fast-check';
import { changes, type FuzzStack } from './fuzz.fixture.js';
import type { Dialect, FuzzCase, FuzzRequest } from './fuzz.cases.js';

export interface FuzzOptions {
  /** Bodies in total, spread evenly over the cases (at least 2 each). */
  readonly totalRuns: number;
  readonly seed: number;
  readonly log: (line: string) => void;
  /** Stop at the first counterexample of a case instead of shrinking it. */
  readonly noShrink?: boolean;
}

export interface Violation {
  readonly route: string;
  readonly input: string;
  readonly request: string;
  readonly status: number;
  readonly answer: string;
  readonly problems: readonly string[];
}

export interface RouteStats {
  bodies: number;
  statuses: Record<number, number>;
}

/**
 * Answers known to break the rules and not fixed yet: counted and printed rather than failed, so the rest of a
 * case keeps being explored, each pinned by an `it.failing` in fuzz.e2e.spec.ts. None is open today (the two
 * router answers in Fastify's own shape the first runs found are answered in the API's shape now).
 */
export const KNOWN_ISSUES: readonly { readonly label: string; readonly matches: (status: number, body: unknown) => boolean }[] = [];

export interface FuzzReport {
  readonly known: Map<string, { count: number; example: string }>;
  readonly bodies: number;
  readonly routes: Map<string, RouteStats>;
  readonly violations: Violation[];
  /** Writes seen only when a whole case was done (asynchronous ones), by case. */
  readonly lateWrites: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

/** Whether an error answer has the documented shape of its route's dialect. */
export function errorShapeOk(dialect: Dialect, body: unknown): boolean {
  if (!isObject(body) || !isObject(body['error'])) return false;
  const error = body['error'];
  if (dialect === 'management') return typeof error['code'] === 'string' && /^[a-z][a-z_]*$/.test(error['code']) && nonEmpty(error['message']);
  if (dialect === 'openai') return nonEmpty(error['message']) && nonEmpty(error['type']);
  return body['type'] === 'error' && nonEmpty(error['type']) && nonEmpty(error['message']);
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

export function describeRequest(req: FuzzRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${k === 'authorization' || k === 'x-api-key' ? clip(v.replace(/sbk_[A-Za-z0-9_-]{20,}/g, 'sbk_<valid key>'), 80) : clip(v, 80)}`)
    .join('; ');
  const body = req.rawBody !== undefined ? `raw ${JSON.stringify(clip(req.rawBody, 200))}` : req.body === undefined ? 'no body' : clip(JSON.stringify(req.body), 300);
  return `${req.method} ${clip(req.path, 200)} [${headers}] ${body}`;
}

async function send(baseUrl: string, req: FuzzRequest): Promise<{ status: number; text: string; body: unknown }> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.rawBody !== undefined) body = req.rawBody;
  else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, text, body: parsed };
}

/** Runs every case as a fast-check property against the running stack; collects, never throws on a violation. */
export async function runFuzz(fx: FuzzStack, cases: readonly FuzzCase[], options: FuzzOptions): Promise<FuzzReport> {
  const perCase = Math.max(2, Math.round(options.totalRuns / cases.length));
  const routes = new Map<string, RouteStats>();
  const violations: Violation[] = [];
  const lateWrites: string[] = [];
  const known = new Map<string, { count: number; example: string }>();
  let bodies = 0;
  const started = Date.now();
  options.log(`fuzzing ${cases.length} cases over ${new Set(cases.map((c) => c.route)).size} routes, ${perCase} bodies each, seed ${options.seed}`);
  let full = await fx.probe.full();
  for (const [index, c] of cases.entries()) {
    const stats = routes.get(c.route) ?? { bodies: 0, statuses: {} };
    routes.set(c.route, stats);
    let last: Violation | null = null;
    const property = fc.asyncProperty(c.arbitrary, async (req) => {
      const before = await fx.probe.rows();
      let res;
      try {
        res = await send(fx.stack.gatewayUrl, req);
      } catch (error) {
        // A header value no HTTP client can send is not an input the gateway can receive.
        if (error instanceof TypeError && /header|ByteString/i.test(`${error.message} ${String(error.cause)}`)) fc.pre(false);
        last = { route: c.route, input: c.input, request: describeRequest(req), status: 0, answer: '', problems: [`no answer: ${(error as Error).message} ${String((error as Error).cause ?? '')}`] };
        return false;
      }
      bodies++;
      stats.bodies++;
      stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
      const problems: string[] = [];
      const ok = res.status >= 200 && res.status < 300;
      if (res.status >= 500) problems.push(`answered ${res.status}`);
      else if (c.statuses && !c.statuses.includes(res.status) && !(ok && c.mayAnswerOk)) problems.push(`answered ${res.status}, expected one of ${c.statuses.join(', ')}`);
      else if (res.status < 400 && !(ok && c.mayAnswerOk)) problems.push(`answered ${res.status} to bad input`);
      if (res.status >= 400 && !errorShapeOk(c.dialect(req), res.body)) {
        const issue = KNOWN_ISSUES.find((k) => k.matches(res.status, res.body));
        if (issue) {
          const entry = known.get(issue.label) ?? { count: 0, example: `${c.route}: ${describeRequest(req)}` };
          entry.count++;
          known.set(issue.label, entry);
        } else problems.push(`error body not in the ${c.dialect(req)} shape`);
      }
      const written = changes(before, await fx.probe.rows());
      if (written.length > 0) problems.push(`wrote: ${written.join(', ')}`);
      if (!fx.alive()) problems.push('a service process exited');
      if (problems.length === 0) return true;
      last = { route: c.route, input: c.input, request: describeRequest(req), status: res.status, answer: clip(res.text), problems };
      return false;
    });
    try {
      await fc.assert(property, { seed: options.seed + index, numRuns: perCase, endOnFailure: options.noShrink === true });
    } catch (error) {
      violations.push(last ?? { route: c.route, input: c.input, request: '?', status: 0, answer: '', problems: [(error as Error).message.slice(0, 500)] });
    }
    const now = await fx.probe.full();
    const late = changes(full, now);
    if (late.length > 0) lateWrites.push(`${c.route} (${c.input}): ${late.join(', ')}`);
    full = now;
    const seen = Object.entries(stats.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    options.log(`[${index + 1}/${cases.length}] ${c.route} ${c.input}: ${stats.bodies} bodies so far (${seen})${last ? ` VIOLATION: ${(last as Violation).problems.join('; ')}` : ''}`);
  }
  options.log(`${bodies} bodies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { known, bodies, routes, violations, lateWrites };
}

export function summary(report: FuzzReport): string {
  const width = Math.max(...[...report.routes.keys()].map((r) => r.length));
  const lines = ['', `${'route'.padEnd(width)}  bodies  statuses`];
  for (const [route, stats] of report.routes) {
    const statuses = Object.entries(stats.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    lines.push(`${route.padEnd(width)}  ${String(stats.bodies).padStart(6)}  ${statuses}`);
  }
  lines.push(`total: ${report.bodies} bodies, ${report.violations.length} violating cases, ${report.lateWrites.length} late writes`);
  for (const v of report.violations) {
    lines.push(`VIOLATION ${v.route} (${v.input}): ${v.problems.join('; ')}`, `  request: ${v.request}`, `  answer: ${v.status} ${v.answer}`);
  }
  for (const w of report.lateWrites) lines.push(`LATE WRITE after ${w}`);
  for (const [label, k] of report.known) lines.push(`KNOWN ISSUE ×${k.count}: ${label}`, `  e.g. ${k.example}`);
  return lines.join('\n');
}
