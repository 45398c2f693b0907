import { Module } from '@nestjs/common';
import { AgentsController } from '../agents/agents.controller.js';
import { AuthModule } from '../auth/auth.module.js';
import { KeysController } from '../keys/keys.controller.js';
import { ModelsController } from '../models/models.controller.js';
import { ProvidersController } from '../providers/providers.controller.js';
import { TenantsController } from '../tenants/tenants.controller.js';

/** The management REST API (/v1/tenants, keys, providers, models, agents): thin controllers over ProvidersOps. */
@Module({
  imports: [AuthModule],
  controllers: [TenantsController, KeysController, ProvidersController, ModelsController, AgentsController],
})
export class ManagementModule {}
