import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsageController } from './usage.controller.js';

/** GET /v1/usage and GET /v1/agents/:id/stats; budgets and alerts will join here. */
@Module({
  imports: [AuthModule],
  controllers: [UsageController],
})
export class UsageRoutesModule {}
