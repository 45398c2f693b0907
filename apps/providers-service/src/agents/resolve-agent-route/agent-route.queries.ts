import { fail, ok, type AgentRoute, type Result } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { modelPrice, type StoredPrices } from '../../models/model.queries.js';
import { providerNotFound } from '../../providers/provider.queries.js';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { agentNotFound } from '../agent.queries.js';

/** A model as the query builds it: the tenant's stored figures, resolved into a price afterwards. */
type StoredRouteModel = Omit<AgentRoute['models'][number], 'price'> & { prices: StoredPrices };
type RouteProvider = AgentRoute['provider'];

/** A provider's columns as the query reads them; null when the provider is deleted (or in another tenant). */
interface ProviderColumns {
  provider_id: string | null;
  type: RouteProvider['type'] | null;
  protocol: RouteProvider['protocol'] | null;
  endpoint: string | null;
  auth_method: RouteProvider['authMethod'] | null;
  organization_id: string | null;
  default_model: string | null;
  rate_limit_rpm: number | null;
  monthly_budget_usd: number | null;
  secret_id: string | null;
  credential_state: RouteProvider['credentialStatus']['state'] | null;
  credential_checked_at: string | null;
  credential_detail: string | null;
  /** Built by Postgres in route shape, createdAt formatted as toISOString() does. */
  models: StoredRouteModel[];
}

/** One of the agent's fallbacks, in failover order: its model and its provider as the primary's is read. */
type FallbackColumns = ProviderColumns & { fallback_model: string };

interface RouteRow extends ProviderColumns {
  agent_id: string;
  agent_name: string;
  agent_model: string | null;
  delivery: AgentRoute['agent']['delivery'];
  agent_monthly_budget_usd: number | null;
  agent_provider_id: string;
  unpriced_models: AgentRoute['tenant']['unpricedModels'];
  server_history_tokens: number | null;
  server_tool_call_usd: number | null;
  fallbacks: FallbackColumns[];
}

/** The live models of provider `p` of the agent `a`'s tenant, in route shape, as `models`. */
const MODELS_LATERAL = `
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object(
               'id', m.id,
               'name', m.name,
               'upstreamModel', m.upstream_model,
               'prices', json_build_object(
                 'inputUsdPerMTok', m.input_usd_per_mtok,
                 'outputUsdPerMTok', m.output_usd_per_mtok,
                 'cachedInputUsdPerMTok', m.cached_input_usd_per_mtok),
               'createdAt', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
             ) ORDER BY m.created_at, m.id) AS models
        FROM ${SCHEMA}.models m
       WHERE m.provider_id = p.id AND m.tenant_id = a.tenant_id AND m.deleted_at IS NULL
    ) m ON true`;

const PROVIDER_COLUMNS = `p.id AS provider_id, p.type, p.protocol, p.endpoint, p.auth_method, p.organization_id, p.default_model,
         p.rate_limit_rpm, p.monthly_budget_usd, p.secret_id, p.credential_state, p.credential_detail,
         to_char(p.credential_checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS credential_checked_at,
         COALESCE(m.models, '[]'::json) AS models`;

/**
 * One statement, so one round trip and one snapshot on the gateway's cache-miss path: the agent and its tenant by
 * primary key, its provider by primary key, the provider's live models through the (provider_id, name) partial index;
 * each fallback (in order) the same way.
 */
const ROUTE_SQL = `
  SELECT a.id AS agent_id, a.name AS agent_name, a.model AS agent_model, a.delivery,
         a.monthly_budget_usd AS agent_monthly_budget_usd, a.provider_id AS agent_provider_id,
         ${PROVIDER_COLUMNS}, t.unpriced_models, t.server_history_tokens, t.server_tool_call_usd,
         COALESCE(fb.fallbacks, '[]'::json) AS fallbacks
    FROM ${SCHEMA}.agents a
    JOIN ${SCHEMA}.tenants t ON t.id = a.tenant_id
    LEFT JOIN ${SCHEMA}.providers p ON p.id = a.provider_id AND p.tenant_id = a.tenant_id AND p.deleted_at IS NULL
    ${MODELS_LATERAL}
    LEFT JOIN LATERAL (
      SELECT json_agg(row_to_json(f) ORDER BY f.position) AS fallbacks FROM (
        SELECT f.position, f.model AS fallback_model, ${PROVIDER_COLUMNS}
          FROM ROWS FROM (jsonb_to_recordset(a.fallbacks) AS ("providerId" text, model text)) WITH ORDINALITY AS f("providerId", model, position)
          LEFT JOIN ${SCHEMA}.providers p ON p.id = f."providerId" AND p.tenant_id = a.tenant_id AND p.deleted_at IS NULL
          ${MODELS_LATERAL}
      ) f
    ) fb ON true
   WHERE a.id = $1 AND a.tenant_id = $2 AND a.deleted_at IS NULL`;

/** The provider and its priced models in route shape; null when the provider is gone. */
function routeTarget(row: ProviderColumns): Pick<AgentRoute, 'provider' | 'models'> | null {
  const { provider_id: providerId, type, protocol, endpoint, auth_method: authMethod } = row;
  if (providerId === null || type === null || protocol === null || endpoint === null || authMethod === null) return null;
  return {
    provider: {
      id: providerId,
      type,
      protocol,
      endpoint,
      authMethod,
      organizationId: row.organization_id,
      defaultModel: row.default_model,
      rateLimitRpm: row.rate_limit_rpm,
      monthlyBudgetUsd: row.monthly_budget_usd,
      secretId: row.secret_id,
      credentialStatus: { state: row.credential_state ?? 'unchecked', checkedAt: row.credential_checked_at, detail: row.credential_detail },
    },
    models: row.models.map(({ prices, ...model }) => ({ ...model, price: modelPrice({ type, endpoint }, model.upstreamModel, prices) })),
  };
}

/** The route of a live agent of the tenant: agent_not_found, or provider_not_found when its provider is deleted. */
export async function agentRoute(db: Tx, tenantId: string, agentId: string): Promise<Result<AgentRoute>> {
  const rows: RouteRow[] = await db.query(ROUTE_SQL, [agentId, tenantId]);
  const row = rows[0];
  if (row === undefined) return fail(agentNotFound(agentId));
  const primary = routeTarget(row);
  if (primary === null) return fail(providerNotFound(row.agent_provider_id));
  const fallbacks = row.fallbacks.flatMap((f) => {
    const target = routeTarget(f);
    return target === null ? [] : [{ ...target, model: f.fallback_model }];
  });
  return ok({
    tenantId,
    agent: {
      id: row.agent_id,
      name: row.agent_name,
      model: row.agent_model,
      delivery: row.delivery,
      monthlyBudgetUsd: row.agent_monthly_budget_usd,
    },
    ...primary,
    ...(fallbacks.length === 0 ? {} : { fallbacks }),
    tenant: {
      unpricedModels: row.unpriced_models,
      serverHistoryTokens: row.server_history_tokens,
      serverToolCallUsd: row.server_tool_call_usd,
    },
  });
}
