import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';

@Injectable()
export class InitOperatorKeyHandler implements OperationHandler<'initOperatorKey'> {
  constructor(private readonly store: PgEventStore) {}

  /** First caller wins; every gateway replica calls this on start, and a replica must not replace the key. */
  async execute(request: OpRequest<'initOperatorKey'>): OpResult<'initOperatorKey'> {
    const rows: unknown[] = await this.store.dataSource.manager.query(
      `INSERT INTO ${SCHEMA}.operator_key (key_hash) VALUES ($1) ON CONFLICT (singleton) DO NOTHING RETURNING key_hash`,
      [request.keyHash],
    );
    return ok({ created: rows.length > 0 });
  }
}
