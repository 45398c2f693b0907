import { z } from 'zod';

export const ROLES = ['operator', 'admin', 'member', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a tenant key may be created with; the operator key is never a tenant key. */
export const TenantKeyRole = z.enum(['admin', 'member', 'agent']);
export type TenantKeyRole = z.infer<typeof TenantKeyRole>;

/**
 * Who asks: the principal the gateway authenticated. It travels in the caller's signed request token, never in
 * a payload; handlers receive it as `actor`, set from the verified token.
 */
export const Actor = z.object({
  tenantId: z.string().nullable(),
  keyId: z.string(),
  role: z.enum(ROLES),
  agentId: z.string().nullable().default(null),
});
export type Actor = z.infer<typeof Actor>;

/** Tenant-scoped actor: every tenant operation requires one. */
export type TenantActor = Actor & { readonly tenantId: string };
