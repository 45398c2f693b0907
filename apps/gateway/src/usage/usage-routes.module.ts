import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AlertsController } from './alerts.controller.js';
import { UsageController } from './usage.controller.js';
import { WebhooksController } from './webhooks.controller.js';

/** GET /v1/usage, GET /v1/agents/:id/stats, /v1/alerts and /v1/webhooks; budgets will join here. */
@Module({
  imports: [AuthModule],
  controllers: [UsageController, AlertsController, WebhooksController],
})
export class UsageRoutesModule {}
