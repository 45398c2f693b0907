import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { ServiceIdentity } from '@switchboard/service-identity';

/** The process's ServiceIdentity: signs its requests and replies, checks its callers' tokens. */
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');

/**
 * Makes the identity injectable everywhere in an app, which the handlers of every @HandleOperation need:
 * `NestFactory.createMicroservice(ServiceIdentityModule.around(AppModule.forRoot(…), identity), …)`.
 */
@Module({})
export class ServiceIdentityModule {
  static around(app: DynamicModule | Type, identity: ServiceIdentity): DynamicModule {
    return {
      module: ServiceIdentityModule,
      global: true,
      imports: [app],
      providers: [{ provide: SERVICE_IDENTITY, useValue: identity }],
      exports: [SERVICE_IDENTITY],
    };
  }
}
