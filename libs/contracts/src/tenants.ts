import { z } from 'zod';
import { Name } from './common.js';

export const CreateTenantBody = z.strictObject({ name: Name });
export type CreateTenantBody = z.infer<typeof CreateTenantBody>;

export const TenantView = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), version: z.number().int() });
export type TenantView = z.infer<typeof TenantView>;

/** Whether the proxy serves models that have no price (their calls then carry no cost). */
export const UnpricedModelsPolicy = z.enum(['allow', 'refuse']);
export type UnpricedModelsPolicy = z.infer<typeof UnpricedModelsPolicy>;

/**
 * The tokens a budgeted call that refers to history stored at the provider (`previous_response_id`,
 * `conversation`, a stored `prompt`, a `container`) is reserved for on top of its own input. Null (the default):
 * budgeted routes refuse such calls, since nothing bounds that history.
 */
export const ServerHistoryTokens = z.number().int().min(1).max(100_000_000).nullable();
/**
 * What the tenant's providers charge per call of a tool they run themselves (a web search, a code run), in USD.
 * Null (the default): budgeted routes refuse such tools. Set, a budgeted call must cap its tool calls
 * (`max_tool_calls`, `max_uses`), is reserved for the cap and charged for the calls the upstream reports.
 */
export const ServerToolCallUsd = z.number().positive().max(1_000).nullable();

export const TenantSettings = z.object({
  unpricedModels: UnpricedModelsPolicy,
  serverHistoryTokens: ServerHistoryTokens,
  serverToolCallUsd: ServerToolCallUsd,
});
export type TenantSettings = z.infer<typeof TenantSettings>;
export const DEFAULT_TENANT_SETTINGS: TenantSettings = { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null };

export const UpdateTenantSettingsBody = z.strictObject({
  unpricedModels: UnpricedModelsPolicy.optional(),
  serverHistoryTokens: ServerHistoryTokens.optional(),
  serverToolCallUsd: ServerToolCallUsd.optional(),
});
export type UpdateTenantSettingsBody = z.infer<typeof UpdateTenantSettingsBody>;

/** The settings with the tenant aggregate's version (the ETag of GET /v1/settings). */
export const TenantSettingsView = TenantSettings.extend({ version: z.number().int() });
export type TenantSettingsView = z.infer<typeof TenantSettingsView>;
