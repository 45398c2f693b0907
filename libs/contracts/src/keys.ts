import { z } from 'zod';
import { Id, Name } from './common.js';
import { TenantKeyRole } from './access.js';

export const CreateKeyBody = z
  .strictObject({ name: Name, role: TenantKeyRole, agentId: Id.optional() })
  .superRefine((body, ctx) => {
    if (body.role === 'agent' && !body.agentId) {
      ctx.addIssue({ code: 'custom', path: ['agentId'], message: 'is required for role agent' });
    }
    if (body.role !== 'agent' && body.agentId) {
      ctx.addIssue({ code: 'custom', path: ['agentId'], message: 'is only allowed for role agent' });
    }
  });
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const KeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: TenantKeyRole,
  agentId: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type KeyView = z.infer<typeof KeyView>;

/** What the gateway learns about a presented key. */
export const Principal = z.object({
  keyId: z.string(),
  tenantId: z.string().nullable(),
  role: z.enum(['operator', 'admin', 'member', 'agent']),
  agentId: z.string().nullable(),
});
export type Principal = z.infer<typeof Principal>;
