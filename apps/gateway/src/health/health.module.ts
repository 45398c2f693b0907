import { Module } from '@nestjs/common';
import { MetricsController } from '../metrics/metrics.controller.js';
import { HealthController } from './health.controller.js';

/** Unauthenticated operational endpoints: /healthz, /readyz, /metrics. */
@Module({ controllers: [HealthController, MetricsController] })
export class HealthModule {}
