import type { AlertSettings, AuthMethod, Delivery, Protocol, ProviderType, TenantSettings, WebhookEventType } from '@switchboard/contracts';
import type { SecretReference } from './secret-reference.js';

/** A provider's credential as the file declares it: references only, resolved when a change needs the value. */
export type DeclaredCredential =
  | { readonly kind: 'api_key'; readonly apiKey: SecretReference }
  | { readonly kind: 'headers'; readonly headers: Readonly<Record<string, SecretReference>> }
  /** One reference whose value is a JSON object of header name → value (what `export` writes). */
  | { readonly kind: 'headers_json'; readonly headers: SecretReference };

export interface DeclaredPrice {
  readonly inputUsdPerMTok: number;
  readonly outputUsdPerMTok: number;
  /** Null: the API's default, the input price. */
  readonly cachedInputUsdPerMTok: number | null;
}

export interface DeclaredModel {
  readonly name: string;
  readonly upstreamModel: string;
  /** Null: no override (the catalogue's price, if it knows the model). */
  readonly price: DeclaredPrice | null;
  /** Not in the file: the provider's defaultModel, which the API keeps as a model of the provider. */
  readonly implicit: boolean;
}

/** A provider with the API's defaults filled in, so it compares field by field with what the API answers. */
export interface DeclaredProvider {
  readonly name: string;
  readonly type: ProviderType;
  readonly endpoint: string;
  readonly protocol: Protocol;
  readonly authMethod: AuthMethod;
  readonly organizationId: string | null;
  /** Undefined: not managed (discovery picks one when a provider has none). */
  readonly defaultModel: string | null | undefined;
  readonly rateLimitRpm: number | null;
  readonly monthlyBudgetUsd: number | null;
  readonly credential: DeclaredCredential | null;
  readonly models: readonly DeclaredModel[];
}

/** A target the agent's calls fail over to: a provider by its name in the file, and one of its models. */
export interface DeclaredFallback {
  readonly provider: string;
  readonly model: string;
}

export interface DeclaredAgent {
  readonly name: string;
  readonly provider: string;
  readonly model: string | null;
  readonly delivery: Delivery;
  readonly monthlyBudgetUsd: number | null;
  /** In the order they are tried; order is part of the value. */
  readonly fallbacks: readonly DeclaredFallback[];
}

export interface DeclaredWebhook {
  readonly url: string;
  readonly events: readonly WebhookEventType[];
}

/** One tenant as a file declares it. An absent section (undefined) is not managed: plan leaves it alone. */
export interface DeclaredTenant {
  readonly providers: readonly DeclaredProvider[] | undefined;
  readonly agents: readonly DeclaredAgent[] | undefined;
  readonly settings: TenantSettings | undefined;
  readonly alerts: AlertSettings | undefined;
  readonly webhooks: readonly DeclaredWebhook[] | undefined;
}
