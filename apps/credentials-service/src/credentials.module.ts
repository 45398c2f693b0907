import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller.js';

/** The DataSource is created and initialised before Nest starts, so startup fails early without Postgres. */
@Module({})
export class CredentialsModule {
  static register(dataSource: DataSource): DynamicModule {
    return {
      module: CredentialsModule,
      controllers: [HealthController],
      providers: [{ provide: DataSource, useValue: dataSource }],
    };
  }
}
