import type { CredentialIssuedFields, CredentialPlaintext, Delivery } from '@switchboard/contracts';

export interface EnvironmentInput {
  readonly agentId: string;
  readonly delivery: Delivery;
  readonly provider: Pick<CredentialIssuedFields['provider'], 'protocol' | 'organizationId'>;
  readonly credential: CredentialPlaintext;
}

/** The gateway serves every proxy route under /v1. */
const GATEWAY_API_PREFIX = '/v1';

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The OpenAI SDKs take the base URL with its `/v1` (they append `/chat/completions`); a proxy credential
 * always points at the gateway, whose routes live under /v1, so the prefix is added when missing. A direct
 * endpoint is used as registered: where its API lives is the provider's business.
 */
function openAiBaseUrl(baseUrl: string, delivery: Delivery): string {
  const url = withoutTrailingSlash(baseUrl);
  return delivery === 'proxy' && !url.endsWith(GATEWAY_API_PREFIX) ? `${url}${GATEWAY_API_PREFIX}` : url;
}

/** The Anthropic SDKs append `/v1/messages` themselves, so a base URL ending in /v1 would double it. */
function anthropicBaseUrl(baseUrl: string): string {
  const url = withoutTrailingSlash(baseUrl);
  return url.endsWith(GATEWAY_API_PREFIX) ? url.slice(0, -GATEWAY_API_PREFIX.length) : url;
}

/**
 * The variables an agent container gets for a credential, named as the official SDKs read them, plus
 * SWITCHBOARD_AGENT_ID. Header credentials travel as one JSON object in SWITCHBOARD_UPSTREAM_HEADERS.
 */
export function agentEnvironment(input: EnvironmentInput): Record<string, string> {
  const { credential, provider } = input;
  const env: Record<string, string> = {};
  if (provider.protocol === 'openai') {
    env['OPENAI_BASE_URL'] = openAiBaseUrl(credential.baseUrl, input.delivery);
    if ('apiKey' in credential) env['OPENAI_API_KEY'] = credential.apiKey;
    if (provider.organizationId) env['OPENAI_ORG_ID'] = provider.organizationId;
  } else {
    env['ANTHROPIC_BASE_URL'] = anthropicBaseUrl(credential.baseUrl);
    if ('apiKey' in credential) env['ANTHROPIC_API_KEY'] = credential.apiKey;
  }
  if ('headers' in credential) env['SWITCHBOARD_UPSTREAM_HEADERS'] = JSON.stringify(credential.headers);
  env['SWITCHBOARD_AGENT_ID'] = input.agentId;
  return env;
}
