import { appError, fail, ok, PROVIDER_DEFAULTS, type CreateProviderBody, type ProviderSettings, type Result } from '@switchboard/contracts';

/**
 * The settings a new provider starts with: what the body gave, the type's defaults for the rest.
 * Events store resolved values so a later change of the defaults never rewrites an existing provider.
 */
export function resolveProviderSettings(body: CreateProviderBody): Result<ProviderSettings> {
  const defaults = PROVIDER_DEFAULTS[body.type];
  const endpoint = body.endpoint ?? defaults.endpoint;
  if (endpoint === null) return fail(appError('validation_failed', `endpoint: is required for type ${body.type}`));
  return ok({
    name: body.name,
    type: body.type,
    endpoint,
    protocol: body.protocol ?? defaults.protocol,
    authMethod: body.authMethod ?? defaults.authMethod,
    organizationId: body.organizationId ?? null,
    defaultModel: body.defaultModel ?? null,
    rateLimitRpm: body.rateLimitRpm ?? null,
    monthlyBudgetUsd: body.monthlyBudgetUsd ?? null,
  });
}
