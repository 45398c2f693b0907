import { EVENT_DATA_SCHEMAS, type DomainEventType } from '@switchboard/contracts';
import type { Projection, StoredEvent, Tx } from '@switchboard/event-store';
import { streamIds } from '../shared/command-context.js';
import { SCHEMA } from './read-models.migrations.js';

const PROVIDER_COLUMNS = {
  name: 'name',
  type: 'type',
  endpoint: 'endpoint',
  protocol: 'protocol',
  authMethod: 'auth_method',
  organizationId: 'organization_id',
  defaultModel: 'default_model',
  rateLimitRpm: 'rate_limit_rpm',
  monthlyBudgetUsd: 'monthly_budget_usd',
  secretId: 'secret_id',
} as const;

const TENANT_SETTING_COLUMNS = {
  unpricedModels: 'unpriced_models',
  serverHistoryTokens: 'server_history_tokens',
  serverToolCallUsd: 'server_tool_call_usd',
} as const;

const AGENT_COLUMNS = {
  name: 'name',
  providerId: 'provider_id',
  model: 'model',
  delivery: 'delivery',
  monthlyBudgetUsd: 'monthly_budget_usd',
  fallbacks: 'fallbacks',
} as const;

/**
 * `SET col = $n, …` for the fields present in `changes`. Column names come from the fixed maps above,
 * never from input; values are parameters starting at `$firstParam`.
 */
function setClause(columns: Readonly<Record<string, string>>, changes: Readonly<Record<string, unknown>>, firstParam: number) {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [field, value] of Object.entries(changes)) {
    const column = columns[field];
    if (column === undefined || value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${firstParam + params.length - 1}`);
  }
  return { sets, params };
}

const isDomainEventType = (type: string): type is DomainEventType => Object.hasOwn(EVENT_DATA_SCHEMAS, type);

/**
 * Tenants, keys, providers, models, agents and their starts and stops as tables. Applied inline by the command handlers (same
 * transaction as the append, so the REST API reads its own writes) and by ProjectionRunner.rebuild(), which
 * must produce the same rows. Every statement is idempotent: rows are guarded by id and stream version.
 */
export const readModelsProjection: Projection = {
  name: 'providers-read-models',

  async apply(tx: Tx, event: StoredEvent): Promise<void> {
    if (!isDomainEventType(event.type)) return;
    const at = event.recordedAt;
    const v = event.version;
    switch (event.type) {
      case 'TenantCreated': {
        const d = EVENT_DATA_SCHEMAS.TenantCreated.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.tenants (id, name, version, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [d.tenantId, d.name, v, at],
        );
        return;
      }
      case 'TenantSettingsChanged': {
        const d = EVENT_DATA_SCHEMAS.TenantSettingsChanged.parse(event.data);
        const { sets, params } = setClause(TENANT_SETTING_COLUMNS, d.changes, 3);
        await tx.query(`UPDATE ${SCHEMA}.tenants SET ${[...sets, 'version = $2'].join(', ')} WHERE id = $1 AND version < $2`, [
          d.tenantId,
          v,
          ...params,
        ]);
        return;
      }
      case 'TenantDeletionStarted': {
        const d = EVENT_DATA_SCHEMAS.TenantDeletionStarted.parse(event.data);
        await tx.query(`UPDATE ${SCHEMA}.tenants SET deletion_started_at = $3, version = $2 WHERE id = $1 AND version < $2`, [d.tenantId, v, at]);
        return;
      }
      case 'TenantDeleted': {
        const d = EVENT_DATA_SCHEMAS.TenantDeleted.parse(event.data);
        await tx.query(`UPDATE ${SCHEMA}.tenants SET deleted_at = $3, version = $2 WHERE id = $1 AND version < $2`, [d.tenantId, v, at]);
        return;
      }
      case 'KeyCreated': {
        const d = EVENT_DATA_SCHEMAS.KeyCreated.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.access_keys (id, tenant_id, name, role, agent_id, key_hash, start_id, expires_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
          [d.keyId, event.tenantId, d.name, d.role, d.agentId, d.keyHash, d.startId ?? null, d.expiresAt ?? null, at],
        );
        return;
      }
      case 'KeyRevoked': {
        const d = EVENT_DATA_SCHEMAS.KeyRevoked.parse(event.data);
        await tx.query(`UPDATE ${SCHEMA}.access_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [d.keyId, at]);
        return;
      }
      case 'ProviderRegistered': {
        const d = EVENT_DATA_SCHEMAS.ProviderRegistered.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.providers (id, tenant_id, name, type, endpoint, protocol, auth_method, organization_id,
             default_model, rate_limit_rpm, monthly_budget_usd, secret_id, version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ON CONFLICT (id) DO NOTHING`,
          [d.providerId, event.tenantId, d.name, d.providerType, d.endpoint, d.protocol, d.authMethod, d.organizationId,
            d.defaultModel, d.rateLimitRpm, d.monthlyBudgetUsd, d.secretId, v, at],
        );
        return;
      }
      case 'ProviderUpdated': {
        const d = EVENT_DATA_SCHEMAS.ProviderUpdated.parse(event.data);
        const { sets, params } = setClause(PROVIDER_COLUMNS, d.changes, 4);
        // A new credential has not been tried yet.
        if (d.changes.secretId !== undefined) sets.push(`credential_state = 'unchecked'`, 'credential_checked_at = NULL', 'credential_detail = NULL');
        await tx.query(
          `UPDATE ${SCHEMA}.providers SET ${[...sets, 'version = $2', 'updated_at = $3'].join(', ')}
            WHERE id = $1 AND version < $2`,
          [d.providerId, v, at, ...params],
        );
        return;
      }
      case 'ProviderCredentialChecked': {
        const d = EVENT_DATA_SCHEMAS.ProviderCredentialChecked.parse(event.data);
        // Only a verdict on the credential the provider still has, and never an older one over a newer (replays).
        await tx.query(
          `UPDATE ${SCHEMA}.providers SET credential_state = $3, credential_detail = $4, credential_checked_at = $5
            WHERE id = $1 AND secret_id IS NOT DISTINCT FROM $2 AND (credential_checked_at IS NULL OR credential_checked_at <= $5)`,
          [d.providerId, d.secretId, d.state, d.detail, at],
        );
        return;
      }
      case 'ProviderDeleted': {
        const d = EVENT_DATA_SCHEMAS.ProviderDeleted.parse(event.data);
        await tx.query(
          `UPDATE ${SCHEMA}.providers SET deleted_at = $3, updated_at = $3, version = $2 WHERE id = $1 AND version < $2`,
          [d.providerId, v, at],
        );
        // A provider's models have no life of their own: they go with it.
        await tx.query(`UPDATE ${SCHEMA}.models SET deleted_at = $2 WHERE provider_id = $1 AND deleted_at IS NULL`, [d.providerId, at]);
        return;
      }
      case 'ModelAdded': {
        const d = EVENT_DATA_SCHEMAS.ModelAdded.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.models (id, tenant_id, provider_id, name, upstream_model, source, input_usd_per_mtok,
             output_usd_per_mtok, cached_input_usd_per_mtok, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
          [d.modelId, event.tenantId, d.providerId, d.name, d.upstreamModel, d.source, d.inputUsdPerMTok, d.outputUsdPerMTok,
            d.cachedInputUsdPerMTok ?? null, at],
        );
        return;
      }
      case 'ModelRemoved': {
        const d = EVENT_DATA_SCHEMAS.ModelRemoved.parse(event.data);
        await tx.query(`UPDATE ${SCHEMA}.models SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, [d.modelId, at]);
        return;
      }
      case 'AgentCreated': {
        const d = EVENT_DATA_SCHEMAS.AgentCreated.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.agents (id, tenant_id, name, provider_id, model, delivery, monthly_budget_usd, fallbacks, version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $10) ON CONFLICT (id) DO NOTHING`,
          [d.agentId, event.tenantId, d.name, d.providerId, d.model, d.delivery, d.monthlyBudgetUsd ?? null, JSON.stringify(d.fallbacks ?? []), v, at],
        );
        return;
      }
      case 'AgentUpdated': {
        const d = EVENT_DATA_SCHEMAS.AgentUpdated.parse(event.data);
        // A jsonb column takes the list as JSON text (the driver would send an array as a Postgres array).
        const { fallbacks, ...changes } = d.changes;
        const { sets, params } = setClause(AGENT_COLUMNS, { ...changes, ...(fallbacks === undefined ? {} : { fallbacks: JSON.stringify(fallbacks) }) }, 4);
        await tx.query(
          `UPDATE ${SCHEMA}.agents SET ${[...sets, 'version = $2', 'updated_at = $3'].join(', ')} WHERE id = $1 AND version < $2`,
          [d.agentId, v, at, ...params],
        );
        return;
      }
      case 'AgentDeleted': {
        const d = EVENT_DATA_SCHEMAS.AgentDeleted.parse(event.data);
        await tx.query(
          `UPDATE ${SCHEMA}.agents SET deleted_at = $3, updated_at = $3, version = $2 WHERE id = $1 AND version < $2`,
          [d.agentId, v, at],
        );
        return;
      }
      case 'AgentStartRequested': {
        const d = EVENT_DATA_SCHEMAS.AgentStartRequested.parse(event.data);
        // Stopped already when a stop positioned after it was applied first (see AgentStopped).
        await tx.query(
          `INSERT INTO ${SCHEMA}.agent_starts (id, tenant_id, agent_id, recipient_id, delivery, provider_id, start_position, requested_at, stopped_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
             (SELECT t.stopped_at FROM ${SCHEMA}.agent_stops t WHERE t.agent_id = $3 AND t.position > $7 ORDER BY t.position LIMIT 1))
           ON CONFLICT (id) DO NOTHING`,
          [d.startId, event.tenantId, d.agentId, d.recipientId, d.delivery, d.provider?.id ?? null, event.position, at],
        );
        // Starts have streams of their own and leave the agent's version alone. Those recorded on the agent's
        // stream before moved that stream on, and the agent's ETag with it.
        if (event.streamId === streamIds.agent(d.agentId)) {
          await tx.query(`UPDATE ${SCHEMA}.agents SET version = $2 WHERE id = $1 AND version < $2`, [d.agentId, v]);
        }
        return;
      }
      case 'AgentStopped': {
        const d = EVENT_DATA_SCHEMAS.AgentStopped.parse(event.data);
        await tx.query(
          `INSERT INTO ${SCHEMA}.agent_stops (agent_id, position, stopped_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [d.agentId, event.position, at],
        );
        // The starts positioned before this stop: inline, those are all the starts committed before the stop locked
        // the agent's row (a start appends under its share lock); a replay must not stop a later start. Stops of
        // one agent share its stream, so they are applied in position order and the first after a start wins.
        await tx.query(
          `UPDATE ${SCHEMA}.agent_starts SET stopped_at = $3 WHERE agent_id = $1 AND start_position < $2 AND stopped_at IS NULL`,
          [d.agentId, event.position, at],
        );
        await tx.query(`UPDATE ${SCHEMA}.agents SET version = $2 WHERE id = $1 AND version < $2`, [d.agentId, v]);
        return;
      }
      // Events of the credentials and usage contexts never enter this store.
      case 'UsageRecorded':
      case 'AlertRaised':
      case 'SecretCreated':
      case 'SecretRotated':
      case 'SecretRevealed':
      case 'SecretDeleted':
      case 'RecipientRegistered':
      case 'CredentialIssued':
      case 'CredentialDenied':
      case 'BudgetExhausted':
      case 'BudgetRestored':
        return;
      default: {
        const unhandled: never = event.type;
        throw new Error(`read models do not handle ${String(unhandled)}`);
      }
    }
  },

  async reset(tx: Tx): Promise<void> {
    // operator_key is configuration, not derived from events, and survives a rebuild; last_used_at does not.
    await tx.query(
      `TRUNCATE ${SCHEMA}.tenants, ${SCHEMA}.access_keys, ${SCHEMA}.providers, ${SCHEMA}.models, ${SCHEMA}.agents, ${SCHEMA}.agent_starts, ${SCHEMA}.agent_stops`,
    );
  },
};
