import { z } from 'zod';
import { Name } from './common.js';

export const CreateTenantBody = z.strictObject({ name: Name });
export type CreateTenantBody = z.infer<typeof CreateTenantBody>;

export const TenantView = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), version: z.number().int() });
export type TenantView = z.infer<typeof TenantView>;

/** Whether the proxy serves models that have no price (their calls then carry no cost). */
export const UnpricedModelsPolicy = z.enum(['allow', 'refuse']);
export type UnpricedModelsPolicy = z.infer<typeof UnpricedModelsPolicy>;

export const TenantSettings = z.object({ unpricedModels: UnpricedModelsPolicy });
export type TenantSettings = z.infer<typeof TenantSettings>;
export const DEFAULT_TENANT_SETTINGS: TenantSettings = { unpricedModels: 'allow' };

export const UpdateTenantSettingsBody = z.strictObject({ unpricedModels: UnpricedModelsPolicy.optional() });
export type UpdateTenantSettingsBody = z.infer<typeof UpdateTenantSettingsBody>;

/** The settings with the tenant aggregate's version (the ETag of GET /v1/settings). */
export const TenantSettingsView = TenantSettings.extend({ version: z.number().int() });
export type TenantSettingsView = z.infer<typeof TenantSettingsView>;
