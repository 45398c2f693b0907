import { z } from 'zod';
import { appError, type AppError } from './result.js';

/**
 * What a tenant creates and a quota bounds. `models` counts the tenant's live models over all its providers (the
 * database fills per tenant, and a per-provider bound would still multiply by the provider quota); `keys` the
 * access keys the tenant made that still work (not the short-lived keys issued at agent starts).
 */
export const QUOTA_KINDS = ['providers', 'models', 'agents', 'keys', 'secrets', 'recipients', 'webhooks'] as const;
export const QuotaKind = z.enum(QUOTA_KINDS);
export type QuotaKind = z.infer<typeof QuotaKind>;

/** Which service owns (counts and enforces) each kind. */
export type QuotaOwner = 'providers' | 'credentials' | 'usage';
export const QUOTA_OWNERS: Readonly<Record<QuotaKind, QuotaOwner>> = {
  providers: 'providers',
  models: 'providers',
  agents: 'providers',
  keys: 'providers',
  secrets: 'credentials',
  recipients: 'credentials',
  webhooks: 'usage',
};

/** The largest limit an operator may set; past it a "limit" would no longer bound anything a page can show. */
export const MAX_QUOTA = 1_000_000;
export const QuotaLimit = z.number().int('must be a whole number').min(0, 'must not be negative').max(MAX_QUOTA, `must be at most ${MAX_QUOTA}`);

export type QuotaLimits = Readonly<Record<QuotaKind, number>>;

/**
 * Deployment-wide defaults (README, "Quotas and pages"): generous for a real tenant — a hundred upstreams, every
 * model several large catalogues list, an agent fleet — and small enough that one tenant's rows and KMS calls stay
 * a bounded share of a shared deployment.
 */
export const DEFAULT_QUOTAS: QuotaLimits = Object.freeze({
  providers: 100,
  models: 2000,
  agents: 1000,
  keys: 1000,
  secrets: 500,
  recipients: 100,
  webhooks: 20,
});

/** Past the limit: 409 at the edge; the message names the kind and the limit. */
export function quotaExceeded(kind: QuotaKind, limit: number): AppError {
  return appError('quota_exceeded', `the tenant has reached its quota of ${limit} ${kind}; delete some or ask the operator to raise it`, {
    kind,
    limit,
  });
}

const eachKind = <T extends z.ZodType>(schema: T): Record<QuotaKind, T> => ({
  providers: schema,
  models: schema,
  agents: schema,
  keys: schema,
  secrets: schema,
  recipients: schema,
  webhooks: schema,
});

/**
 * PUT /v1/tenants/:id/quotas (operator): a number overrides the deployment default for that tenant, null
 * returns the kind to it; kinds left out keep what they have.
 */
export const PutTenantQuotasBody = z
  .strictObject(eachKind(QuotaLimit.nullable().optional()))
  .refine((body) => Object.keys(body).length > 0, `must set at least one of ${QUOTA_KINDS.join(', ')}`);
export type PutTenantQuotasBody = z.infer<typeof PutTenantQuotasBody>;

/** One kind's quota for a tenant: the limit in force, whether it is the tenant's own, and how much is used. */
export const QuotaUsage = z.object({ limit: z.number().int(), source: z.enum(['default', 'tenant']), used: z.number().int() });
export type QuotaUsage = z.infer<typeof QuotaUsage>;

export const TenantQuotasView = z.object(eachKind(QuotaUsage));
export type TenantQuotasView = z.infer<typeof TenantQuotasView>;

/** What one service is asked to change: its own kinds only (the gateway splits PutTenantQuotasBody by QUOTA_OWNERS). */
export const TenantQuotaChanges = z.strictObject(eachKind(QuotaLimit.nullable().optional()));
export type TenantQuotaChanges = z.infer<typeof TenantQuotaChanges>;

/** One service's part of TenantQuotasView: the kinds it owns. */
export const OwnedTenantQuotas = TenantQuotasView.partial();
export type OwnedTenantQuotas = z.infer<typeof OwnedTenantQuotas>;
