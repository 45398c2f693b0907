import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ProvidersOps } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import type { GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, OPERATOR_KEY_ANNOUNCER, type OperatorKeyAnnouncer } from '../core/core.tokens.js';
import { generateAccessKey, hashAccessKey } from './access-key.js';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
/** Shorter than the default: while providers-service is away every attempt waits this long. */
const ATTEMPT_TIMEOUT_MS = 2_000;

/**
 * Without SWITCHBOARD_OPERATOR_KEY the first gateway to reach providers-service registers a generated
 * operator key and shows it once; every later start finds one registered and shows nothing. With it, the
 * key's hash is recorded as configured from the environment. Runs in the
 * background because providers-service may start after the gateway (readiness waits for it anyway).
 */
@Injectable()
export class OperatorKeyBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    @Inject(OPERATOR_KEY_ANNOUNCER) private readonly announce: OperatorKeyAnnouncer,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.initialise(this.config.operatorKey);
  }

  /** Resolves once the operator key is settled (or the gateway stops); tests wait on it. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  /**
   * With SWITCHBOARD_OPERATOR_KEY, its hash is recorded as the environment's, which closes the slot to
   * generated keys: a gateway replica started without the variable can then not mint a second operator key.
   */
  private async initialise(configured: string | null): Promise<void> {
    const key = configured ?? generateAccessKey();
    const source = configured === null ? 'generated' : 'environment';
    const keyHash = hashAccessKey(key);
    for (let delay = FIRST_DELAY_MS; !this.stopped; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
      const result = await this.bus.send(ProvidersOps.initOperatorKey, { keyHash, source }, { timeoutMs: ATTEMPT_TIMEOUT_MS });
      if (result.ok) {
        if (source === 'environment') this.logger.info('operator key from the environment recorded', { replaced: result.value.created });
        else if (result.value.created) this.announce(`Operator key (shown once): ${key}`);
        else this.logger.info('an operator key is already registered; keep using it');
        return;
      }
      if (result.error.code !== 'unavailable') {
        this.logger.error('could not register the operator key', { code: result.error.code, error: result.error.message });
        return;
      }
      this.logger.info('providers-service not reachable yet; operator key registration will retry', { retryInMs: delay });
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
    }
  }
}
