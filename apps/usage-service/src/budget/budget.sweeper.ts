import { BackgroundLoop } from '@switchboard/event-store';
import type { Logger } from '@switchboard/telemetry';
import type { BudgetLedger } from './budget.ledger.js';

export interface BudgetSweeperOptions {
  /** Between sweeps (default 15 s). */
  readonly everyMs?: number;
}

/** The time up to which every usage event on the stream has been projected (see BudgetLedger.expire). */
export type ProjectedHorizon = () => Promise<Date>;

/**
 * Every few seconds: releases reservations that expired (their calls never reported) once the projection has
 * caught up past their expiry, and reconciles ledger
 * rows whose exhaustion event or threshold alerts are missing (a projector that died between charging a call
 * and recording the event). Safe on every replica at once: each step is idempotent under row locks.
 */
export class BudgetSweeper {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly ledger: BudgetLedger,
    private readonly logger: Logger,
    private readonly horizon: ProjectedHorizon,
    options: BudgetSweeperOptions = {},
  ) {
    this.loop = new BackgroundLoop(
      {
        pass: async () => {
          await this.sweep();
          return false;
        },
        onFailure: (error, failures, retryInMs) => {
          this.logger.warn('budget sweep failed; retrying', { error: (error as Error).message, failures, retryInMs });
        },
      },
      { pollMs: options.everyMs ?? 15_000, backoffBaseMs: 1_000, backoffMaxMs: 30_000 },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One sweep, now (the loop, and specs). */
  async sweep(): Promise<{ expired: number; reconciled: number }> {
    const expired = await this.ledger.expire(await this.horizon());
    if (expired > 0) this.logger.info('budget reservations expired', { expired });
    const lagging = await this.ledger.lagging();
    for (const key of lagging) await this.ledger.reconcile(key);
    return { expired, reconciled: lagging.length };
  }
}
