import type { Logger } from '@switchboard/telemetry';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhenResult, type CircuitBreakerPolicy } from 'cockatiel';

export type CircuitStateName = 'closed' | 'open' | 'half_open';

/** A provider's circuit as this gateway replica sees it; `since` is null for one that never left `closed`. */
export interface CircuitView {
  readonly state: CircuitStateName;
  readonly since: string | null;
}

/** What an attempt tells the breaker: whether it failed in a way that counts against the provider. */
export interface CircuitOutcome {
  readonly opensCircuit: boolean;
}

export interface ProviderCircuitsOptions {
  /** Consecutive failures that open a provider's circuit (SWITCHBOARD_BREAKER_FAILURES). */
  readonly failures: number;
  /** How long an open circuit waits before one probe call is let through (SWITCHBOARD_BREAKER_HALF_OPEN_MS). */
  readonly halfOpenMs: number;
  /** Breakers held at most; beyond, the least recently used closed one goes (it holds nothing worth keeping). */
  readonly maxCircuits?: number;
  readonly logger: Logger;
  /** Told of each transition (metrics). */
  readonly onTransition?: (to: CircuitStateName) => void;
}

interface Circuit {
  readonly policy: CircuitBreakerPolicy;
  state: CircuitStateName;
  /** Date.now() of the last transition, the clock cockatiel times its half-open wait with. */
  since: number | null;
}

export const DEFAULT_MAX_CIRCUITS = 10_000;

const NAMES: Readonly<Record<CircuitState, CircuitStateName>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  // Never entered: nothing isolates a circuit by hand.
  [CircuitState.Isolated]: 'open',
};

/** The run's outcome, or why it did not run: the provider's circuit was open (no connection was attempted). */
export type CircuitRun<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

/**
 * One cockatiel circuit breaker per provider id, for failover: consecutive upstream failures (5xx, 429, timeouts,
 * connection errors) open it, after which the provider is passed over while another target remains; after the
 * half-open wait one probe call goes through, and closes it again on success (a failure re-opens it). Per gateway
 * replica, in memory: each replica learns of an outage from its own calls.
 */
export class ProviderCircuits {
  private readonly circuits = new Map<string, Circuit>();
  private readonly max: number;

  constructor(private readonly options: ProviderCircuitsOptions) {
    this.max = options.maxCircuits ?? DEFAULT_MAX_CIRCUITS;
  }

  /** Whether a call may try the provider now: closed, or open for long enough that this call is its probe. */
  admits(providerId: string): boolean {
    const circuit = this.circuits.get(providerId);
    if (circuit === undefined) return true;
    switch (circuit.policy.state) {
      case CircuitState.Closed:
        return true;
      case CircuitState.Open:
        return circuit.since !== null && Date.now() - circuit.since >= this.options.halfOpenMs;
      default:
        // Half-open: its one probe is in flight.
        return false;
    }
  }

  /**
   * Runs an attempt through the provider's breaker, which counts its outcome. `mustRun`: the call has no other
   * target, so it is tried whatever the circuit says (then outside the breaker unless this call is its probe: a
   * circuit that is not closed is decided by its probe alone). Otherwise an open circuit answers `{ran: false}`.
   */
  async run<T extends CircuitOutcome>(providerId: string, attempt: () => Promise<T>, mustRun: boolean): Promise<CircuitRun<T>> {
    const circuit = this.circuitOf(providerId);
    // Checked here too, as cockatiel would hold a call to a half-open circuit until its probe is decided.
    if (!this.admits(providerId)) return mustRun ? { ran: true, value: await attempt() } : { ran: false };
    try {
      return { ran: true, value: await circuit.policy.execute(attempt) };
    } catch (error) {
      // Thrown before the attempt started, so running it now is its only run.
      if (error instanceof BrokenCircuitError) return mustRun ? { ran: true, value: await attempt() } : { ran: false };
      throw error;
    }
  }

  /** An open circuit whose wait is over shows as half-open from then: the next call through it is its probe. */
  view(providerId: string): CircuitView {
    const circuit = this.circuits.get(providerId);
    if (circuit === undefined || circuit.since === null) return { state: 'closed', since: null };
    const probeDue = circuit.since + this.options.halfOpenMs;
    if (circuit.state === 'open' && Date.now() >= probeDue) return { state: 'half_open', since: new Date(probeDue).toISOString() };
    return { state: circuit.state, since: new Date(circuit.since).toISOString() };
  }

  countByState(): Record<CircuitStateName, number> {
    const counts: Record<CircuitStateName, number> = { closed: 0, open: 0, half_open: 0 };
    for (const circuit of this.circuits.values()) counts[circuit.state]++;
    return counts;
  }

  get size(): number {
    return this.circuits.size;
  }

  private circuitOf(providerId: string): Circuit {
    const known = this.circuits.get(providerId);
    if (known !== undefined) {
      // Most recently used last: eviction walks from the front.
      this.circuits.delete(providerId);
      this.circuits.set(providerId, known);
      return known;
    }
    if (this.circuits.size >= this.max) this.evictOne();
    const policy = circuitBreaker(
      handleWhenResult((result) => (result as CircuitOutcome).opensCircuit),
      { halfOpenAfter: this.options.halfOpenMs, breaker: new ConsecutiveBreaker(this.options.failures) },
    );
    const circuit: Circuit = { policy, state: 'closed', since: null };
    policy.onStateChange((state) => this.transition(providerId, circuit, NAMES[state]));
    this.circuits.set(providerId, circuit);
    return circuit;
  }

  private transition(providerId: string, circuit: Circuit, to: CircuitStateName): void {
    const from = circuit.state;
    circuit.state = to;
    circuit.since = Date.now();
    this.options.onTransition?.(to);
    const fields = { providerId, from, to };
    if (to === 'open') this.options.logger.warn('provider circuit opened: calls pass it over while another target remains', fields);
    else this.options.logger.info(`provider circuit ${to === 'closed' ? 'closed' : 'half-open: one probe call goes through'}`, fields);
  }

  /** The least recently used closed circuit; when every one is open, the least recently used of all. */
  private evictOne(): void {
    let victim: string | undefined;
    for (const [id, circuit] of this.circuits) {
      victim ??= id;
      if (circuit.state === 'closed') {
        victim = id;
        break;
      }
    }
    if (victim !== undefined) this.circuits.delete(victim);
  }
}
