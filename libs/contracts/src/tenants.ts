import { z } from 'zod';
import { Name } from './common.js';

export const CreateTenantBody = z.strictObject({ name: Name });
export type CreateTenantBody = z.infer<typeof CreateTenantBody>;

export const TenantView = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), version: z.number().int() });
export type TenantView = z.infer<typeof TenantView>;
