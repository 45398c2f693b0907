import { ClusterBed } from './cluster.bed.js';
import { replicaReport, replicasHeld } from './cluster.replicas.js';
import { MIN_AVAILABILITY, ciSteps, runStep } from './cluster.steps.js';

/**
 * The CI subset of `npm run cluster`: a 3-node NATS cluster with R3 streams and two processes of every service,
 * under steady proxy load with budgets and RPM limits; kill -9 of the NATS node leading EVENTS (calls must keep
 * answering 200: ≥ 99 %), then of one gateway process; usage, events, budgets and the RPM limit hold throughout.
 */
describe('a 3-node NATS cluster and two processes of each service under load', () => {
  let bed: ClusterBed;
  const [leaderKill, serviceKill] = ciSteps();

  beforeAll(async () => {
    bed = await ClusterBed.start();
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('keeps EVENTS, the RPM limiter KV bucket and the EVENTS consumers at 3 replicas', async () => {
    const rows = await replicaReport(bed);
    expect(replicasHeld(rows, bed.stack.names.eventsStream, bed.stack.names.namespace)).toMatchObject({ ok: true });
  }, 30_000);

  it('kill -9 of the NATS node leading EVENTS: ≥ 99 % of calls answer 200, and every invariant holds', async () => {
    const result = await runStep(bed, leaderKill, () => undefined);
    expect(result.usage.upstream).toBeGreaterThan(100);
    expect(result.available.share).toBeGreaterThanOrEqual(MIN_AVAILABILITY);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
  }, 150_000);

  it('kill -9 of one gateway process: every invariant holds', async () => {
    const result = await runStep(bed, serviceKill, () => undefined);
    expect(result.usage.upstream).toBeGreaterThan(100);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
  }, 150_000);
});
