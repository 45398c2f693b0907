import { ProviderView } from '@switchboard/contracts';
import { z } from 'zod';
import type { CircuitView } from '../proxy/failover/provider-circuits.js';

/**
 * Failover's circuit breaker of the provider, as the gateway replica that answers sees it: `closed` with `since` null
 * until it first trips; `since` is when it entered its state.
 */
export const ProviderCircuit = z.object({
  state: z.enum(['closed', 'open', 'half_open']),
  since: z.string().nullable(),
});

/** A provider as the REST API answers it: providers-service's view, the credential's hint, and the circuit. */
export const ProviderAnswer = ProviderView.extend({ circuit: ProviderCircuit });
export type ProviderAnswer = z.infer<typeof ProviderAnswer>;

export function withCircuit(view: ProviderView, circuitOf: (providerId: string) => CircuitView): ProviderAnswer {
  return { ...view, circuit: circuitOf(view.id) };
}
