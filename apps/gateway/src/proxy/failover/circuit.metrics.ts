import { Counter, Gauge, type Registry } from 'prom-client';
import type { CircuitStateName } from './provider-circuits.js';

export const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'open', 'half_open'];

/**
 * The failover breakers of this gateway replica: transitions by the state entered, and the breakers held by state.
 * No provider label: providers are the tenants' to create, so a label per provider would be unbounded.
 */
export class CircuitMetrics {
  private readonly transitions: Counter<'to'>;

  constructor(registry: Registry, countByState: () => Readonly<Record<CircuitStateName, number>>) {
    this.transitions = new Counter({
      name: 'switchboard_circuit_transitions_total',
      help: 'Failover circuit breaker transitions of providers, by the state entered (closed, open, half_open)',
      labelNames: ['to'],
      registers: [registry],
    });
    // Every state shows from the start, at 0: a rate() or a panel over them needs no series to appear first.
    for (const to of CIRCUIT_STATES) this.transitions.inc({ to }, 0);
    new Gauge({
      name: 'switchboard_circuits',
      help: 'Failover circuit breakers this gateway holds for providers, by state (closed, open, half_open)',
      labelNames: ['state'],
      registers: [registry],
      collect(this: Gauge<'state'>) {
        const counts = countByState();
        for (const state of CIRCUIT_STATES) this.set({ state }, counts[state]);
      },
    });
  }

  transition(to: CircuitStateName): void {
    this.transitions.inc({ to });
  }
}
