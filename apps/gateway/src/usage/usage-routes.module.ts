import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AlertsController } from './alerts.controller.js';
import { UsageController } from './usage.controller.js';

/** GET /v1/usage, GET /v1/agents/:id/stats and /v1/alerts; budgets will join here. */
@Module({
  imports: [AuthModule],
  controllers: [UsageController, AlertsController],
})
export class UsageRoutesModule {}
