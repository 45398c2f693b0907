import { ReliabilityBed } from '../reliability/reliability.bed.js';
import { FAST_SCENARIOS, SCENARIOS, runScenario } from '../reliability/reliability.scenarios.js';

/**
 * The fast subset of the reliability suite (`npm run reliability` runs them all): the same scenario code, on a
 * stack of its own with a private NATS server and the KMS emulator, under steady agent calls through two gateways.
 */
describe('reliability under steady proxy load (fast subset)', () => {
  let bed: ReliabilityBed;

  beforeAll(async () => {
    bed = await ReliabilityBed.start();
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
  }, 30_000);

  for (const name of FAST_SCENARIOS) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (scenario === undefined) throw new Error(`no scenario ${name}`);

    it(`${scenario.fault}: every invariant holds`, async () => {
      const result = await runScenario(bed, scenario, () => undefined);
      // The load really ran through the fault, and the tight budget was really reached.
      expect(result.usage.upstream).toBeGreaterThan(100);
      expect(result.budgets.find((b) => b.route.endsWith('-tight'))?.refused).toBeGreaterThan(0);
      expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
      expect(result.usage).toMatchObject({ lost: 0, double: 0 });
      expect(result.events.missing).toBe(0);
    }, 90_000);
  }
});
