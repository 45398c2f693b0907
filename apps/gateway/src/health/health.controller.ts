import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '../openapi/openapi.decorators.js';
import { CredentialsOps, ProvidersOps, serviceHealth } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { FastifyReply } from 'fastify';
import { NatsLink } from '../core/nats.link.js';
import { RETRY_AFTER_SECONDS } from '../http/error-status.table.js';

type CheckState = 'ok' | 'down';

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  readonly checks: {
    readonly nats: CheckState;
    readonly providersService: CheckState;
    readonly credentialsService: CheckState;
    readonly usageService: CheckState;
    /** The databases behind the services that answered: down if any of them reports its own down. */
    readonly postgres: CheckState | 'unknown';
  };
}

const READINESS_TIMEOUT_MS = 1_000;
const UsageHealth = serviceHealth('usage');

/** Every service answers health the same way (see serviceHealth). */
type HealthOp = typeof UsageHealth;
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

  /** Ready only when any management request could succeed end to end: NATS up, every service and its Postgres answering. */
  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const nats: CheckState = this.nats.connected ? 'ok' : 'down';
    const [providers, credentials, usage] =
      nats === 'ok'
        ? await Promise.all([this.ask(ProvidersOps.health), this.ask(CredentialsOps.health), this.ask(UsageHealth)])
        : [null, null, null];
    const answered = [providers, credentials, usage].filter((health) => health !== null);
    const postgres: CheckState | 'unknown' = answered.length === 0 ? 'unknown' : answered.every((h) => h.postgres) ? 'ok' : 'down';
    const checks = {
      nats,
      providersService: providers ? 'ok' : 'down',
      credentialsService: credentials ? 'ok' : 'down',
      usageService: usage ? 'ok' : 'down',
      postgres,
    } as const;
    const ready = Object.values(checks).every((state) => state === 'ok');
    if (!ready) void reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS));
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  private async ask(op: HealthOp): Promise<{ postgres: boolean } | null> {
    const health = await this.bus.send(op, {}, { timeoutMs: READINESS_TIMEOUT_MS });
    return health.ok ? health.value : null;
  }
}
