import { createLogger } from '@switchboard/telemetry';
import { ProviderCircuits, type CircuitStateName } from './provider-circuits.js';

const HOUR = 3_600_000;
const failure = { opensCircuit: true } as const;
const success = { opensCircuit: false } as const;

function circuits(options: { failures?: number; halfOpenMs?: number; maxCircuits?: number } = {}) {
  const transitions: CircuitStateName[] = [];
  const lines: string[] = [];
  const logger = createLogger('spec', { level: 'info', write: (line) => lines.push(line) });
  const breakers = new ProviderCircuits({ failures: 3, halfOpenMs: HOUR, logger, onTransition: (to) => transitions.push(to), ...options });
  return { breakers, transitions, lines };
}

/** Runs `n` attempts with this outcome; answers how many of them ran. */
async function runMany(breakers: ProviderCircuits, providerId: string, outcome: { opensCircuit: boolean }, n: number, mustRun = false): Promise<number> {
  let ran = 0;
  for (let i = 0; i < n; i++) {
    const run = await breakers.run(
      providerId,
      async () => {
        ran++;
        return outcome;
      },
      mustRun,
    );
    if (run.ran) expect(run.value).toBe(outcome);
  }
  return ran;
}

describe('provider circuits', () => {
  it('opens after N consecutive failures and then runs nothing for that provider', async () => {
    const { breakers, transitions } = circuits();
    expect(await runMany(breakers, 'prv_a', failure, 3)).toBe(3);
    expect(breakers.view('prv_a')).toEqual({ state: 'open', since: expect.any(String) });
    expect(breakers.admits('prv_a')).toBe(false);
    expect(await runMany(breakers, 'prv_a', success, 2)).toBe(0);
    expect(transitions).toEqual(['open']);
    // Other providers are unaffected.
    expect(breakers.admits('prv_b')).toBe(true);
    expect(breakers.view('prv_b')).toEqual({ state: 'closed', since: null });
  });

  it('counts consecutive failures only: a success in between starts the count again', async () => {
    const { breakers } = circuits();
    await runMany(breakers, 'prv_a', failure, 2);
    await runMany(breakers, 'prv_a', success, 1);
    await runMany(breakers, 'prv_a', failure, 2);
    expect(breakers.view('prv_a').state).toBe('closed');
  });

  it('still runs the only target a call has, without letting that run decide an open circuit', async () => {
    const { breakers, transitions } = circuits();
    await runMany(breakers, 'prv_a', failure, 3);
    expect(await runMany(breakers, 'prv_a', success, 2, true)).toBe(2);
    expect(breakers.view('prv_a').state).toBe('open');
    expect(transitions).toEqual(['open']);
  });

  it('lets one probe through once the half-open wait is over: its success closes the circuit', async () => {
    const { breakers, transitions } = circuits({ halfOpenMs: 0 });
    await runMany(breakers, 'prv_a', failure, 3);
    expect(breakers.view('prv_a').state).toBe('half_open');
    expect(breakers.admits('prv_a')).toBe(true);
    expect(await runMany(breakers, 'prv_a', success, 1)).toBe(1);
    expect(breakers.view('prv_a')).toEqual({ state: 'closed', since: expect.any(String) });
    expect(transitions).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens on a failed probe', async () => {
    const { breakers, transitions } = circuits({ halfOpenMs: 0 });
    await runMany(breakers, 'prv_a', failure, 3);
    await runMany(breakers, 'prv_a', failure, 1);
    expect(transitions).toEqual(['open', 'half_open', 'open']);
  });

  it('passes over a provider whose probe is in flight', async () => {
    const { breakers } = circuits({ halfOpenMs: 0 });
    await runMany(breakers, 'prv_a', failure, 3);
    let finish: (value: { opensCircuit: boolean }) => void = () => undefined;
    const probe = breakers.run('prv_a', () => new Promise<{ opensCircuit: boolean }>((resolve) => (finish = resolve)), false);
    expect(breakers.admits('prv_a')).toBe(false);
    expect(await breakers.run('prv_a', async () => success, false)).toEqual({ ran: false });
    finish(success);
    expect(await probe).toEqual({ ran: true, value: success });
    expect(breakers.admits('prv_a')).toBe(true);
  });

  it('logs each transition with the provider, never more', async () => {
    const { breakers, lines } = circuits({ halfOpenMs: 0 });
    await runMany(breakers, 'prv_a', failure, 3);
    await runMany(breakers, 'prv_a', success, 1);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((l) => [l['providerId'], l['to']])).toEqual([
      ['prv_a', 'open'],
      ['prv_a', 'half_open'],
      ['prv_a', 'closed'],
    ]);
  });

  it('holds a bounded number of breakers, evicting the least recently used closed one first', async () => {
    const { breakers } = circuits({ maxCircuits: 3 });
    await runMany(breakers, 'prv_open', failure, 3);
    await runMany(breakers, 'prv_1', success, 1);
    await runMany(breakers, 'prv_2', success, 1);
    await runMany(breakers, 'prv_1', success, 1);
    await runMany(breakers, 'prv_3', success, 1);
    expect(breakers.size).toBe(3);
    // prv_2 was the least recently used closed one; the open circuit is kept.
    expect(breakers.countByState()).toEqual({ closed: 2, open: 1, half_open: 0 });
    expect(breakers.view('prv_open').state).toBe('open');
  });
});
