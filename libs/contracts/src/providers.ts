import { z } from 'zod';
import { HttpUrl, Id, Name, Usd } from './common.js';

export const PROVIDER_TYPES = ['openai', 'anthropic', 'custom'] as const;
export const ProviderType = z.enum(PROVIDER_TYPES);
export type ProviderType = z.infer<typeof ProviderType>;

export const Protocol = z.enum(['openai', 'anthropic_messages']);
export type Protocol = z.infer<typeof Protocol>;

/** What clients may send: `responses` is another name for `openai` (the one other platforms' configurations use). */
export const ProtocolInput = z
  .enum(['openai', 'anthropic_messages', 'responses'])
  .transform((protocol): Protocol => (protocol === 'responses' ? 'openai' : protocol));

export const AuthMethod = z.enum(['bearer', 'x_api_key', 'custom_headers']);
export type AuthMethod = z.infer<typeof AuthMethod>;

/** Defaults by provider type; `custom` speaks OpenAI unless told otherwise and has no default endpoint. */
export const PROVIDER_DEFAULTS: Readonly<
  Record<ProviderType, { endpoint: string | null; protocol: Protocol; authMethod: AuthMethod }>
> = {
  openai: { endpoint: 'https://api.openai.com/v1', protocol: 'openai', authMethod: 'bearer' },
  anthropic: { endpoint: 'https://api.anthropic.com/v1', protocol: 'anthropic_messages', authMethod: 'x_api_key' },
  custom: { endpoint: null, protocol: 'openai', authMethod: 'bearer' },
};

/** Headers an upstream request must own itself; a tenant may never set them. */
export const FORBIDDEN_CUSTOM_HEADERS = ['host', 'content-length', 'connection', 'transfer-encoding'] as const;

const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, 'is not a valid HTTP header name');
const HeaderValue = z
  .string()
  .min(1, 'must not be empty')
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL');

export const CustomHeaders = z
  .record(HeaderName, HeaderValue)
  .refine((h) => Object.keys(h).length > 0 && Object.keys(h).length <= 20, 'must have between 1 and 20 headers')
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      if ((FORBIDDEN_CUSTOM_HEADERS as readonly string[]).includes(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} is managed by Switchboard and cannot be set` });
      }
    }
  });

export const ApiKeyValue = z.string().min(1, 'must not be empty').max(8192).regex(/^[^\s]+$/, 'must not contain whitespace');

/** Fields a provider has after its defaults are applied; they change through PATCH. */
const MutableProviderFields = {
  name: Name,
  endpoint: HttpUrl,
  protocol: ProtocolInput,
  authMethod: AuthMethod,
  organizationId: z.string().trim().min(1).max(200).nullable(),
  defaultModel: z.string().trim().min(1).max(200).nullable(),
  rateLimitRpm: z.number().int().min(1).max(10_000_000).nullable(),
  monthlyBudgetUsd: Usd.nullable(),
};

export const CreateProviderBody = z
  .strictObject({
    name: Name,
    type: ProviderType,
    endpoint: MutableProviderFields.endpoint.optional(),
    protocol: ProtocolInput.optional(),
    authMethod: AuthMethod.optional(),
    apiKey: ApiKeyValue.optional(),
    secretId: Id.optional(),
    customHeaders: CustomHeaders.optional(),
    organizationId: MutableProviderFields.organizationId.optional(),
    defaultModel: MutableProviderFields.defaultModel.optional(),
    rateLimitRpm: MutableProviderFields.rateLimitRpm.optional(),
    monthlyBudgetUsd: MutableProviderFields.monthlyBudgetUsd.optional(),
  })
  .superRefine((body, ctx) => {
    const given = ['apiKey', 'secretId', 'customHeaders'].filter((k) => body[k as keyof typeof body] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]], message: `give only one of apiKey, secretId, customHeaders` });
    }
    if (body.type === 'custom' && body.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'is required for type custom' });
    }
    if (body.organizationId != null && body.type !== 'openai') {
      ctx.addIssue({ code: 'custom', path: ['organizationId'], message: 'is only allowed for type openai' });
    }
    const authMethod = body.authMethod ?? PROVIDER_DEFAULTS[body.type].authMethod;
    if (body.customHeaders !== undefined && authMethod !== 'custom_headers') {
      ctx.addIssue({ code: 'custom', path: ['customHeaders'], message: 'requires authMethod custom_headers' });
    }
  });
export type CreateProviderBody = z.infer<typeof CreateProviderBody>;

export const UpdateProviderBody = z
  .strictObject({
    name: MutableProviderFields.name.optional(),
    endpoint: MutableProviderFields.endpoint.optional(),
    protocol: MutableProviderFields.protocol.optional(),
    authMethod: MutableProviderFields.authMethod.optional(),
    apiKey: ApiKeyValue.optional(),
    secretId: Id.optional(),
    customHeaders: CustomHeaders.optional(),
    organizationId: MutableProviderFields.organizationId.optional(),
    defaultModel: MutableProviderFields.defaultModel.optional(),
    rateLimitRpm: MutableProviderFields.rateLimitRpm.optional(),
    monthlyBudgetUsd: MutableProviderFields.monthlyBudgetUsd.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field')
  .superRefine((body, ctx) => {
    const given = ['apiKey', 'secretId', 'customHeaders'].filter((k) => body[k as keyof typeof body] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]], message: 'give only one of apiKey, secretId, customHeaders' });
  });
export type UpdateProviderBody = z.infer<typeof UpdateProviderBody>;

/** The settings of a provider as stored in its events (credentials excluded). */
export const ProviderSettings = z.object({
  name: z.string(),
  type: ProviderType,
  endpoint: z.string(),
  protocol: Protocol,
  authMethod: AuthMethod,
  organizationId: z.string().nullable(),
  defaultModel: z.string().nullable(),
  rateLimitRpm: z.number().int().nullable(),
  monthlyBudgetUsd: z.number().nullable(),
});
export type ProviderSettings = z.infer<typeof ProviderSettings>;

export const ProviderCredentialView = z.object({
  secretId: z.string(),
  hint: z.string().nullable(),
  version: z.number().int().nullable(),
});

/**
 * What the upstream last said of the provider's credential: `valid` (it answered), `rejected` (401/403),
 * `unreachable` (no answer, or an answer that was not one), `unchecked` (not tried since the credential was set).
 */
export const CredentialState = z.enum(['unchecked', 'valid', 'rejected', 'unreachable']);
export type CredentialState = z.infer<typeof CredentialState>;
/** How a check came about: model discovery, the Test action, or a proxied call the upstream refused. */
export const CredentialCheckSource = z.enum(['discovery', 'test', 'proxy']);
export type CredentialCheckSource = z.infer<typeof CredentialCheckSource>;
export const CredentialStatus = z.object({
  state: CredentialState,
  checkedAt: z.string().nullable(),
  /** What was found, in the product's words (`the upstream answered 401 to GET /models`); never upstream text. */
  detail: z.string().nullable(),
});
export type CredentialStatus = z.infer<typeof CredentialStatus>;

export const ProviderView = ProviderSettings.extend({
  id: z.string(),
  modelCount: z.number().int(),
  credential: ProviderCredentialView.nullable(),
  credentialStatus: CredentialStatus,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const ProviderHistoryEntry = z.object({
  type: z.string(),
  at: z.string(),
  actor: z.string().nullable(),
  version: z.number().int(),
  changes: z.record(z.string(), z.unknown()),
});
export type ProviderHistoryEntry = z.infer<typeof ProviderHistoryEntry>;

/** What refers to a provider: agents block its deletion, models go with it. Answered by DELETE ?dryRun=true and by 409 provider_in_use. */
export const ProviderDependentsView = z.object({ agents: z.array(z.string()), models: z.array(z.string()) });
export type ProviderDependentsView = z.infer<typeof ProviderDependentsView>;
