import type { ClientErrorKind } from '@switchboard/llm-protocols';
import type { UpstreamErrorKind } from '@switchboard/upstream';

/** How an upstream attempt failed before any byte reached the client: an HTTP status, or no usable answer at all. */
export type UpstreamFault = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'error'; readonly error: UpstreamErrorKind };

/**
 * No answer (connection refused or lost, TLS failure, a malformed HTTP answer) or none in time. Not among them: the
 * client leaving (`aborted`), and what the gateway refused itself (egress rules, redirects, oversized or invalid
 * requests), which another provider would not change.
 */
const RETRYABLE_ERRORS: ReadonlySet<UpstreamErrorKind> = new Set(['connect_failed', 'connection_lost', 'timeout', 'tls', 'bad_response']);

/**
 * Whether another target may take the call: the upstream is down, overloaded or rate-limiting (5xx, 429, no answer).
 * Any other answer (a 4xx other than 429, or a success) is the call's own and final.
 */
export function isRetryable(fault: UpstreamFault): boolean {
  return fault.kind === 'status' ? fault.status === 429 || fault.status >= 500 : RETRYABLE_ERRORS.has(fault.error);
}

/** A provider's circuit counts exactly the failures failover retries; anything else is an answer, so a success. */
export const opensCircuit = isRetryable;

/** The gateway's own refusals of one target that the next target may not share: its RPM limit and its budgets. */
const FALL_THROUGH_REFUSALS: ReadonlySet<ClientErrorKind> = new Set(['rate_limited', 'budget_exceeded']);

export const fallsThrough = (refusal: { readonly kind: ClientErrorKind }): boolean => FALL_THROUGH_REFUSALS.has(refusal.kind);
