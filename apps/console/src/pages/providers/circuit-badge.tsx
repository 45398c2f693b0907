import { formatDateTime } from '../../ui';
import type { ProviderCircuit } from './provider.types';

/**
 * Failover's circuit breaker of a provider, as the gateway replica that answered sees it. Closed is the normal state
 * ("ok"); a provider listed without one (a gateway before failover) shows nothing.
 */
export function CircuitBadge({ circuit }: { readonly circuit: ProviderCircuit | undefined }) {
  if (circuit === undefined) return null;
  switch (circuit.state) {
    case 'closed':
      return <span className="circuit circuit-closed">ok</span>;
    case 'open':
      return <span className="circuit circuit-open">circuit open{circuit.since ? ` since ${formatDateTime(circuit.since)}` : ''}</span>;
    case 'half_open':
      return (
        <span className="circuit circuit-half_open" title="The next call is a probe: a success closes the circuit.">
          probing
        </span>
      );
    default:
      return null;
  }
}
