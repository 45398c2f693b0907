import type { Migration } from '@switchboard/event-store';

const SCHEMA = 'usage';

/**
 * - `budget_ledger`: per (tenant, scope, subject, UTC month) the period's settled spend and the sum of its
 *   outstanding reservations. Spend is kept for every provider and agent that makes calls, budget or not, so a
 *   budget set mid-month starts from what the month has already cost. `limit_usd` is the limit the last
 *   reservation was checked against (the provider or agent holds the real one); `exhausted` and `alerted_pct`
 *   remember which events and threshold alerts were raised, so each is raised once per period.
 * - `budget_reservations`: one per admitted call, keyed by its request id; deleted by the call's settlement
 *   (the projection of its usage event) or by expiry.
 * - `calls.budget_period`: the period a call was charged to when it had a reservation (so a rebuild charges
 *   it to the same month).
 * - `reserve_budget`: the admission check and the reservation in one statement (one round trip, row locks held
 *   for microseconds). The ledger rows are locked provider first, agent second, in every caller, so two
 *   admissions never deadlock; the check and the increment happen under those locks, so concurrent calls
 *   through any number of gateways can never reserve more than the limit.
 */
export const BUDGET_MIGRATIONS: readonly Migration[] = [
  {
    id: 'usage-service/010-budget-ledger',
    sql: [
      `CREATE TABLE ${SCHEMA}.budget_ledger (
         tenant_id text NOT NULL,
         scope text NOT NULL CHECK (scope IN ('provider', 'agent')),
         subject_id text NOT NULL,
         period text NOT NULL,
         limit_usd numeric NULL,
         spent_usd numeric NOT NULL DEFAULT 0,
         reserved_usd numeric NOT NULL DEFAULT 0,
         exhausted boolean NOT NULL DEFAULT false,
         alerted_pct integer NOT NULL DEFAULT 0,
         PRIMARY KEY (tenant_id, scope, subject_id, period)
       )`,
      `CREATE TABLE ${SCHEMA}.budget_reservations (
         request_id text PRIMARY KEY,
         tenant_id text NOT NULL,
         provider_id text NOT NULL,
         agent_id text NOT NULL,
         period text NOT NULL,
         amount_usd numeric NOT NULL,
         reserved_at timestamptz NOT NULL DEFAULT now(),
         expires_at timestamptz NOT NULL
       )`,
      `ALTER TABLE ${SCHEMA}.calls ADD COLUMN budget_period text NULL`,
      `CREATE INDEX budget_reservations_expiry ON ${SCHEMA}.budget_reservations (expires_at)`,
      `CREATE FUNCTION ${SCHEMA}.reserve_budget(
         p_tenant text, p_request text, p_provider text, p_agent text, p_period text,
         p_amount numeric, p_provider_limit numeric, p_agent_limit numeric, p_ttl_ms integer)
       RETURNS TABLE (admitted boolean, scope text, subject_id text, limit_usd numeric, spent_usd numeric,
                      reserved_usd numeric, exhausted boolean)
       LANGUAGE plpgsql AS $fn$
       #variable_conflict use_column
       DECLARE
         prov ${SCHEMA}.budget_ledger%ROWTYPE;
         agt ${SCHEMA}.budget_ledger%ROWTYPE;
         ok boolean;
       BEGIN
         IF EXISTS (SELECT 1 FROM ${SCHEMA}.budget_reservations r WHERE r.request_id = p_request) THEN
           RETURN QUERY SELECT true, 'provider'::text, p_provider, NULL::numeric, NULL::numeric, NULL::numeric, false;
           RETURN;
         END IF;
         INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, limit_usd)
           VALUES (p_tenant, 'provider', p_provider, p_period, p_provider_limit)
           ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET limit_usd = excluded.limit_usd
           RETURNING l.* INTO prov;
         INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, limit_usd)
           VALUES (p_tenant, 'agent', p_agent, p_period, p_agent_limit)
           ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET limit_usd = excluded.limit_usd
           RETURNING l.* INTO agt;
         ok := (p_provider_limit IS NULL OR prov.limit_usd - prov.spent_usd - prov.reserved_usd >= p_amount)
           AND (p_agent_limit IS NULL OR agt.limit_usd - agt.spent_usd - agt.reserved_usd >= p_amount);
         IF ok THEN
           UPDATE ${SCHEMA}.budget_ledger l SET reserved_usd = l.reserved_usd + p_amount
             WHERE l.tenant_id = p_tenant AND l.period = p_period
               AND ((l.scope = 'provider' AND l.subject_id = p_provider) OR (l.scope = 'agent' AND l.subject_id = p_agent));
           INSERT INTO ${SCHEMA}.budget_reservations (request_id, tenant_id, provider_id, agent_id, period, amount_usd, expires_at)
             VALUES (p_request, p_tenant, p_provider, p_agent, p_period, p_amount, now() + p_ttl_ms * interval '1 millisecond');
         END IF;
         RETURN QUERY VALUES
           (ok, 'provider'::text, p_provider, prov.limit_usd, prov.spent_usd, prov.reserved_usd, prov.exhausted),
           (ok, 'agent'::text, p_agent, agt.limit_usd, agt.spent_usd, agt.reserved_usd, agt.exhausted);
       END
       $fn$`,
    ],
  },
  {
    // Leases (see LeaseBudgetRequest): reservations a gateway takes ahead of demand and admits calls from.
    // A lease is granted only up to `p_share` of what the tighter budget has left and never below one call's
    // worst case, so near a limit every call is reserved on its own. Calls admitted under a lease record its
    // id and their reserved maximum; their settlement takes that off the lease (usage.projection.ts).
    id: 'usage-service/011-budget-leases',
    sql: [
      `ALTER TABLE ${SCHEMA}.calls ADD COLUMN lease_id text NULL, ADD COLUMN lease_reserved_usd numeric NULL`,
      `ALTER TABLE ${SCHEMA}.budget_reservations ADD COLUMN lease boolean NOT NULL DEFAULT false`,
      `CREATE FUNCTION ${SCHEMA}.lease_budget(
         p_tenant text, p_lease text, p_provider text, p_agent text, p_period text, p_amount numeric, p_min numeric,
         p_provider_limit numeric, p_agent_limit numeric, p_ttl_ms integer, p_share numeric)
       RETURNS numeric
       LANGUAGE plpgsql AS $fn$
       #variable_conflict use_column
       DECLARE
         prov ${SCHEMA}.budget_ledger%ROWTYPE;
         agt ${SCHEMA}.budget_ledger%ROWTYPE;
         avail numeric := 'Infinity';
         granted numeric;
       BEGIN
         INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, limit_usd)
           VALUES (p_tenant, 'provider', p_provider, p_period, p_provider_limit)
           ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET limit_usd = excluded.limit_usd
           RETURNING l.* INTO prov;
         INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, limit_usd)
           VALUES (p_tenant, 'agent', p_agent, p_period, p_agent_limit)
           ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET limit_usd = excluded.limit_usd
           RETURNING l.* INTO agt;
         IF p_provider_limit IS NOT NULL THEN avail := prov.limit_usd - prov.spent_usd - prov.reserved_usd; END IF;
         IF p_agent_limit IS NOT NULL THEN avail := least(avail, agt.limit_usd - agt.spent_usd - agt.reserved_usd); END IF;
         granted := round(least(p_amount, avail * p_share), 12);
         IF granted < p_min THEN RETURN 0; END IF;
         UPDATE ${SCHEMA}.budget_ledger l SET reserved_usd = l.reserved_usd + granted
           WHERE l.tenant_id = p_tenant AND l.period = p_period
             AND ((l.scope = 'provider' AND l.subject_id = p_provider) OR (l.scope = 'agent' AND l.subject_id = p_agent));
         INSERT INTO ${SCHEMA}.budget_reservations (request_id, tenant_id, provider_id, agent_id, period, amount_usd, expires_at, lease)
           VALUES (p_lease, p_tenant, p_provider, p_agent, p_period, granted, now() + p_ttl_ms * interval '1 millisecond', true);
         RETURN granted;
       END
       $fn$`,
      `CREATE FUNCTION ${SCHEMA}.return_lease(p_tenant text, p_lease text, p_unused numeric)
       RETURNS numeric
       LANGUAGE plpgsql AS $fn$
       #variable_conflict use_column
       DECLARE
         r ${SCHEMA}.budget_reservations%ROWTYPE;
         delta numeric;
       BEGIN
         SELECT * INTO r FROM ${SCHEMA}.budget_reservations x
          WHERE x.request_id = p_lease AND x.tenant_id = p_tenant AND x.lease FOR UPDATE;
         IF NOT FOUND THEN RETURN 0; END IF;
         delta := least(p_unused, r.amount_usd);
         UPDATE ${SCHEMA}.budget_reservations x SET amount_usd = x.amount_usd - delta WHERE x.request_id = p_lease;
         UPDATE ${SCHEMA}.budget_ledger l SET reserved_usd = l.reserved_usd - delta
          WHERE l.tenant_id = r.tenant_id AND l.scope = 'provider' AND l.subject_id = r.provider_id AND l.period = r.period;
         UPDATE ${SCHEMA}.budget_ledger l SET reserved_usd = l.reserved_usd - delta
          WHERE l.tenant_id = r.tenant_id AND l.scope = 'agent' AND l.subject_id = r.agent_id AND l.period = r.period;
         RETURN delta;
       END
       $fn$`,
    ],
  },
];
