import { ProvidersOps, type CredentialCheckSource, type CredentialState } from '@switchboard/contracts';
import type { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';

export type CheckedState = Exclude<CredentialState, 'unchecked'>;

export interface CredentialCheck {
  readonly tenantId: string;
  readonly providerId: string;
  readonly secretId: string | null;
  readonly state: CheckedState;
  readonly source: CredentialCheckSource;
  /** In the product's words, never the upstream's text (which may echo part of the key). */
  readonly detail: string;
}

/** The most one provider's proxied calls report of its credential: one verdict per state and minute. */
export const PROXY_REPORT_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Reports what upstreams say of providers' credentials to providers-service (`provider.credential-checked`,
 * `credentialStatus` on the provider). Discovery and the Test action report every verdict; proxied calls report
 * a rejection (401), and an answer while the provider shows a rejection (the key works again), each at most once
 * a minute per provider and credential, never every call. Best effort and off the call's path: a report that fails is
 * logged and dropped.
 */
export class CredentialChecks {
  /** `providerId|secretId` → the last state proxied calls reported and when. */
  private readonly reported = new Map<string, { readonly state: CheckedState; readonly at: number }>();

  constructor(
    private readonly bus: BusClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  report(check: CredentialCheck): void {
    void this.bus.send(ProvidersOps.recordCredentialCheck, check, { timeoutMs: 5_000 }).then(
      (sent) => {
        if (!sent.ok) this.logger.warn('credential check not recorded', { providerId: check.providerId, code: sent.error.code });
      },
      (error: unknown) => this.logger.warn('credential check not recorded', { providerId: check.providerId, error: (error as Error).message }),
    );
  }

  /** A proxied call's verdict: reported unless this gateway reported the same of this credential within a minute. */
  fromProxy(tenantId: string, providerId: string, secretId: string | null, state: CheckedState): void {
    const key = `${providerId}|${secretId ?? ''}`;
    const last = this.reported.get(key);
    const now = this.now();
    if (last !== undefined && last.state === state && now - last.at < PROXY_REPORT_INTERVAL_MS) return;
    if (this.reported.size >= MAX_REMEMBERED && last === undefined) this.reported.clear();
    this.reported.set(key, { state, at: now });
    const detail = state === 'rejected' ? 'rejected by the upstream (401) on a proxied call' : 'accepted by the upstream on a proxied call';
    this.report({ tenantId, providerId, secretId, state, source: 'proxy', detail });
  }
}
