import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ProvidersOps } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { NatsLink } from '../core/nats.link.js';
import { RETRY_AFTER_SECONDS } from '../http/error-status.table.js';

type CheckState = 'ok' | 'down';

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  readonly checks: { readonly nats: CheckState; readonly providersService: CheckState; readonly postgres: CheckState | 'unknown' };
}

const READINESS_TIMEOUT_MS = 1_000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly bus: BusClient,
    private readonly nats: NatsLink,
  ) {}

  /** Liveness: the process serves HTTP. Dependencies are /readyz's business. */
  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready only when a management request could succeed end to end: NATS up, providers-service and its Postgres answering. */
  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const nats: CheckState = this.nats.connected ? 'ok' : 'down';
    let providersService: CheckState = 'down';
    let postgres: CheckState | 'unknown' = 'unknown';
    if (nats === 'ok') {
      const health = await this.bus.send(ProvidersOps.health, {}, { timeoutMs: READINESS_TIMEOUT_MS });
      if (health.ok) {
        providersService = 'ok';
        postgres = health.value.postgres ? 'ok' : 'down';
      }
    }
    const ready = nats === 'ok' && providersService === 'ok' && postgres === 'ok';
    if (!ready) void reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS));
    return { status: ready ? 'ready' : 'not_ready', checks: { nats, providersService, postgres } };
  }
}
