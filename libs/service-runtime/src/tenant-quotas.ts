import { z } from 'zod';
import {
  DEFAULT_QUOTAS,
  MAX_QUOTA,
  QUOTA_KINDS,
  appError,
  fail,
  ok,
  quotaExceeded,
  type Actor,
  type OwnedTenantQuotas,
  type QuotaKind,
  type QuotaLimits,
  type QuotaUsage,
  type Result,
  type TenantQuotaChanges,
} from '@switchboard/contracts';
import { schemaIdentifier, type Migration, type Tx } from '@switchboard/event-store';

const OPERATOR_ONLY = () => appError('forbidden', 'only the operator key reads or sets tenant quotas');

/** One variable per kind: `SWITCHBOARD_QUOTA_PROVIDERS`, `…_MODELS`, `…_AGENTS`, `…_KEYS`, `…_SECRETS`, `…_RECIPIENTS`. */
export const quotaVariable = (kind: QuotaKind): string => `SWITCHBOARD_QUOTA_${kind.toUpperCase()}`;

const Limit = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z
    .string()
    .regex(/^\d{1,7}$/, `must be a whole number from 0 to ${MAX_QUOTA}`)
    .transform(Number)
    .pipe(z.number().max(MAX_QUOTA, `must be at most ${MAX_QUOTA}`))
    .optional(),
);

/** The deployment-wide limits: DEFAULT_QUOTAS, each replaced by its variable when set; throws naming every bad one. */
export function quotasFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): QuotaLimits {
  const limits = { ...DEFAULT_QUOTAS };
  const problems: string[] = [];
  for (const kind of QUOTA_KINDS) {
    const parsed = Limit.safeParse(env[quotaVariable(kind)]);
    if (!parsed.success) problems.push(`${quotaVariable(kind)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    else if (parsed.data !== undefined) limits[kind] = parsed.data;
  }
  if (problems.length > 0) throw new Error(`invalid quota configuration: ${problems.join('; ')}`);
  return Object.freeze(limits);
}

/** The operator's per-tenant limits, one row per tenant and kind; a kind without a row has the deployment's. */
export function tenantQuotasMigration(id: string, schema: string): Migration {
  return {
    id,
    sql: [
      `CREATE TABLE ${schemaIdentifier(schema)}.tenant_quotas (
         tenant_id text NOT NULL,
         kind text NOT NULL,
         quota integer NOT NULL CHECK (quota >= 0),
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (tenant_id, kind)
       )`,
    ],
  };
}

/** How many of a kind the tenant has now (live rows only: what a delete gives back counts no more). */
export type QuotaCounter = (db: Tx, tenantId: string) => Promise<number>;

/** A counter from one `SELECT count(*)::int AS n … WHERE tenant_id = $1` statement. */
export const countedBy =
  (sql: string): QuotaCounter =>
  async (db, tenantId) => {
    const rows: { n: number }[] = await db.query(sql, [tenantId]);
    return rows[0]?.n ?? 0;
  };

/**
 * The quotas of the kinds one service owns. A create asks `admit` in the transaction that inserts, before the insert:
 * it takes a transaction-scoped advisory lock for (tenant, kind) and counts after it, so of two creates racing at the
 * limit the second waits for the first to commit or roll back and then counts its row (READ COMMITTED reads anew per
 * statement). Nothing else takes the lock, and it is never held across a network call.
 */
export class TenantQuotas {
  private readonly table: string;

  constructor(
    private readonly schema: string,
    private readonly defaults: QuotaLimits,
    private readonly counters: Readonly<Partial<Record<QuotaKind, QuotaCounter>>>,
  ) {
    this.table = `${schemaIdentifier(schema)}.tenant_quotas`;
  }

  get kinds(): QuotaKind[] {
    return QUOTA_KINDS.filter((kind) => this.counters[kind] !== undefined);
  }

  /** The limit in force for the tenant: its own when the operator set one, else the deployment's. */
  async limitOf(db: Tx, tenantId: string, kind: QuotaKind): Promise<Pick<QuotaUsage, 'limit' | 'source'>> {
    const rows: { quota: number }[] = await db.query(`SELECT quota FROM ${this.table} WHERE tenant_id = $1 AND kind = $2`, [tenantId, kind]);
    const own = rows[0];
    return own ? { limit: own.quota, source: 'tenant' } : { limit: this.defaults[kind], source: 'default' };
  }

  /** How many more of `kind` the tenant may create, under the (tenant, kind) lock held until `tx` ends. */
  async room(tx: Tx, tenantId: string, kind: QuotaKind): Promise<{ readonly limit: number; readonly room: number }> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`switchboard.${this.schema}.quota.${kind}.${tenantId}`]);
    const { limit } = await this.limitOf(tx, tenantId, kind);
    const used = await this.count(tx, tenantId, kind);
    return { limit, room: Math.max(0, limit - used) };
  }

  /** `quota_exceeded` unless `adding` more fit; call inside the inserting transaction (see the class comment). */
  async admit(tx: Tx, tenantId: string, kind: QuotaKind, adding = 1): Promise<Result<void>> {
    const { limit, room } = await this.room(tx, tenantId, kind);
    return room >= adding ? ok(undefined) : fail(quotaExceeded(kind, limit));
  }

  /**
   * The same answer without the lock, for refusing early before work that costs (a KMS call): a create it lets
   * through is still decided by `admit`.
   */
  async precheck(db: Tx, tenantId: string, kind: QuotaKind): Promise<Result<void>> {
    const { limit } = await this.limitOf(db, tenantId, kind);
    return (await this.count(db, tenantId, kind)) < limit ? ok(undefined) : fail(quotaExceeded(kind, limit));
  }

  /** Limit, its source and what is used, for every kind this service owns. */
  async view(db: Tx, tenantId: string): Promise<OwnedTenantQuotas> {
    const view: OwnedTenantQuotas = {};
    for (const kind of this.kinds) view[kind] = { ...(await this.limitOf(db, tenantId, kind)), used: await this.count(db, tenantId, kind) };
    return view;
  }

  /**
   * Sets (a number) or clears (null) the tenant's own limits of this service's kinds. A limit below what the
   * tenant already has is allowed: nothing is deleted, further creates are refused until it is back under.
   */
  async set(db: Tx, tenantId: string, changes: TenantQuotaChanges): Promise<Result<void>> {
    const foreign = Object.keys(changes).filter((kind) => !this.kinds.includes(kind as QuotaKind));
    if (foreign.length > 0) return fail(appError('validation_failed', `${foreign.join(', ')}: not a quota this service keeps`));
    for (const kind of this.kinds) {
      const limit = changes[kind];
      if (limit === undefined) continue;
      if (limit === null) await db.query(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND kind = $2`, [tenantId, kind]);
      else {
        await db.query(
          `INSERT INTO ${this.table} (tenant_id, kind, quota) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, kind) DO UPDATE SET quota = EXCLUDED.quota, updated_at = now()`,
          [tenantId, kind, limit],
        );
      }
    }
    return ok(undefined);
  }

  /** The operator's read of a tenant's quotas of this service's kinds; any other key is refused (`forbidden`). */
  async operatorView(db: Tx, actor: Actor, tenantId: string): Promise<Result<OwnedTenantQuotas>> {
    if (actor.role !== 'operator') return fail(OPERATOR_ONLY());
    return ok(await this.view(db, tenantId));
  }

  /** The operator's change of those quotas (see set), answered as operatorView does. */
  async operatorSet(db: Tx, actor: Actor, tenantId: string, changes: TenantQuotaChanges): Promise<Result<OwnedTenantQuotas>> {
    if (actor.role !== 'operator') return fail(OPERATOR_ONLY());
    const set = await this.set(db, tenantId, changes);
    return set.ok ? ok(await this.view(db, tenantId)) : set;
  }

  private count(db: Tx, tenantId: string, kind: QuotaKind): Promise<number> {
    const counter = this.counters[kind];
    if (!counter) throw new Error(`no quota counter for ${kind} in schema ${this.schema}`);
    return counter(db, tenantId);
  }
}
