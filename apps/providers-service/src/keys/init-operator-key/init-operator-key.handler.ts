import { appError, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.initOperatorKey)
export class InitOperatorKeyHandler implements OperationHandler<'initOperatorKey'> {
  constructor(private readonly store: PgEventStore) {}

  /**
   * A generated key: first caller wins (every gateway replica calls this on start, and a replica must not
   * replace the key), and never once a key came from the environment. A key from the environment: it is the
   * operator's choice, so it replaces whatever is there (a rotation of SWITCHBOARD_OPERATOR_KEY included).
   */
  async execute(request: OpRequest<'initOperatorKey'>): OpResult<'initOperatorKey'> {
    const db = this.store.dataSource.manager;
    if (request.source === 'environment') {
      const rows: { created: boolean }[] = await db.query(
        `INSERT INTO ${SCHEMA}.operator_key (key_hash, source) VALUES ($1, 'environment')
         ON CONFLICT (singleton) DO UPDATE SET key_hash = EXCLUDED.key_hash, source = 'environment', created_at = now()
           WHERE operator_key.key_hash <> EXCLUDED.key_hash OR operator_key.source <> 'environment'
         RETURNING true AS created`,
        [request.keyHash],
      );
      return ok({ created: rows.length > 0 });
    }
    const rows: { source: string; created: boolean }[] = await db.query(
      `WITH inserted AS (
         INSERT INTO ${SCHEMA}.operator_key (key_hash) VALUES ($1) ON CONFLICT (singleton) DO NOTHING RETURNING source
       )
       SELECT source, true AS created FROM inserted
       UNION ALL SELECT source, false AS created FROM ${SCHEMA}.operator_key WHERE NOT EXISTS (SELECT 1 FROM inserted)`,
      [request.keyHash],
    );
    if (rows[0]?.source === 'environment') {
      return fail(appError('forbidden', 'the operator key is configured from the environment (SWITCHBOARD_OPERATOR_KEY); a generated one is refused'));
    }
    return ok({ created: rows[0]?.created === true });
  }
}
