import { fuzzCases } from './fuzz.cases.js';
import { startFuzzStack, type FuzzStack } from './fuzz.fixture.js';
import { runFuzz, summary } from './fuzz.runner.js';

/**
 * Property-based fuzzing of every REST and proxy route on the real stack. CI runs a small fixed-seed subset;
 * `npm run fuzz` runs 10 000 bodies (FUZZ_RUNS, FUZZ_SEED, FUZZ_NO_SHRINK=1 to stop at the first counterexample of a case).
 */
const TOTAL = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20240601);

describe('fuzzing every route with bad input', () => {
  let fx: FuzzStack;

  beforeAll(async () => {
    fx = await startFuzzStack();
  }, 90_000);

  afterAll(async () => {
    await fx?.stop();
  });

  it(
    'answers 4xx with an error body in the documented shape, never 5xx, never crashes, writes nothing',
    async () => {
      const cases = fuzzCases(fx);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const before = await fx.probe.settle();
      const report = await runFuzz(fx, cases, { totalRuns: TOTAL, seed: SEED, log, noShrink: process.env.FUZZ_NO_SHRINK === '1' });
      const after = await fx.probe.settle();
      log(summary(report));

      expect(report.bodies).toBeGreaterThanOrEqual(Math.min(TOTAL, cases.length * 2));
      // Every route got bodies, and the statuses it answered are recorded.
      for (const [route, stats] of report.routes) expect([route, stats.bodies > 0]).toEqual([route, true]);
      expect(fx.alive()).toBe(true);
      expect((await fetch(`${fx.stack.gatewayUrl}/readyz`)).status).toBe(200);
      expect(report.violations.map((v) => `${v.route} (${v.input}): ${v.problems.join('; ')} — ${v.request} → ${v.status} ${v.answer}`)).toEqual([]);
      expect(report.lateWrites).toEqual([]);
      expect(after).toEqual(before);
    },
    Math.max(120_000, TOTAL * 60),
  );

  // Found by the first runs: the router refused these paths before the API's error filter, in Fastify's shape.
  it('answers a path with invalid percent-encoding 400 in the management error shape', async () => {
    const res = await fx.a.admin.get(`/v1/providers/%80`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('answers a path id over 100 characters 404 like any unknown id, in the management error shape', async () => {
    const res = await fx.a.admin.get(`/v1/providers/${'a'.repeat(101)}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'provider_not_found', message: expect.any(String) } });
  });
});
