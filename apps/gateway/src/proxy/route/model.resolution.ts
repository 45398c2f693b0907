import type { AgentRoute } from '@switchboard/contracts';
import { ADAPTERS, upstreamDialect, type ClientProtocol, type ModelListing } from '@switchboard/llm-protocols';

export type RouteModel = AgentRoute['models'][number];

export type ModelResolution =
  /** `dialect`: what the gateway speaks upstream, the client's protocol or, translated, the provider's. */
  | { readonly ok: true; readonly model: RouteModel; readonly url: string; readonly dialect: ClientProtocol }
  | { readonly ok: false; readonly kind: 'bad_request' | 'model_not_found' | 'permission_denied'; readonly message: string };

/**
 * The request's `model` against the agent's provider: by the model's name first, then by its upstream name (a
 * client that already knows the provider's id for it). The first match wins, names being unique per provider.
 */
export function findModel(route: AgentRoute, requested: string): RouteModel | null {
  return route.models.find((m) => m.name === requested) ?? route.models.find((m) => m.upstreamModel === requested) ?? null;
}

/**
 * `${endpoint}/chat/completions` etc., built with the URL API: the endpoint's path (`/v1`, with or without a
 * trailing slash, or a longer base path) is kept and the protocol path appended to it. A query or fragment of
 * an endpoint stored before they were refused is dropped, so it can never swallow the appended path.
 */
export function upstreamUrl(endpoint: string, path: string): string {
  const key = `${endpoint}\n${path}`;
  const known = upstreamUrls.get(key);
  if (known !== undefined) return known;
  const url = buildUpstreamUrl(endpoint, path);
  if (upstreamUrls.size >= MAX_REMEMBERED_URLS) upstreamUrls.clear();
  upstreamUrls.set(key, url);
  return url;
}

/** Endpoints are few and every call of a provider builds the same URL: built once per endpoint and path. */
const upstreamUrls = new Map<string, string>();
const MAX_REMEMBERED_URLS = 4_096;

function buildUpstreamUrl(endpoint: string, path: string): string {
  const base = new URL(endpoint);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return new URL(path.replace(/^\/+/, ''), base).href;
}

/**
 * Where a call goes, or why it cannot: an unknown model is a 404, a model without a price a 403 when the tenant
 * refuses those (its cost could not be counted). A client of the other protocol family is translated: the call
 * goes to the provider's own path, in its dialect.
 */
export function resolveModel(route: AgentRoute, protocol: ClientProtocol, requested: string): ModelResolution {
  const { provider } = route;
  const model = findModel(route, requested);
  if (model === null) return { ok: false, kind: 'model_not_found', message: `Model Not Available: ${requested} is not a model of this agent's provider${whyUnlisted(route)}` };
  if (model.price === null && route.tenant.unpricedModels === 'refuse') {
    return {
      ok: false,
      kind: 'permission_denied',
      message:
        `Model Not Priced: ${model.name} has no known price and this tenant refuses unpriced models; ` +
        'set inputUsdPerMTok and outputUsdPerMTok on the model, or allow unpriced models in PATCH /v1/settings',
    };
  }
  const dialect = upstreamDialect(protocol, provider.protocol);
  return { ok: true, model, url: upstreamUrl(provider.endpoint, ADAPTERS[dialect].config.upstreamPath), dialect };
}

/** Why the provider may lack the model: its key was rejected, or its upstream could not be reached, when last tried. */
function whyUnlisted(route: AgentRoute): string {
  const { credentialStatus: status, id } = route.provider;
  if (status.detail === null) return '';
  if (status.state === 'rejected') return `; its key was ${status.detail}: set the right key on provider ${id} (PATCH /v1/providers/${id})`;
  if (status.state === 'unreachable') return `; ${status.detail}`;
  return '';
}

/** GET /v1/models lists the agent's provider models by the names clients call them with. */
export function modelListings(route: AgentRoute): ModelListing[] {
  return route.models.map((m) => ({ id: m.name, createdAt: m.createdAt }));
}
