import {
  Injectable,
  SetMetadata,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor, Principal, TenantActor } from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import { ApiErrorException } from '../http/api-error.exception.js';
import { bearerKey } from './access-key.js';
import { isAllowed, type RouteAccess } from './access.rules.js';
import { KeyResolver } from './key.resolver.js';

const ACCESS_METADATA = 'switchboard:access';

/** Declares what a management route needs; a route without it is refused (fail closed). */
export const Access = (access: RouteAccess) => SetMetadata(ACCESS_METADATA, access);

/** The principal is kept per request object rather than on it, so Fastify's request shape stays untouched. */
const principals = new WeakMap<object, Principal>();

const DENIED: Readonly<Record<RouteAccess, string>> = {
  operator: 'only the operator key may do this',
  admin: 'only an admin key may do this',
  read: 'this key may not read management resources',
  write: 'this key may not change anything (read-only or agent key)',
};

@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeyResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.get<RouteAccess | undefined>(ACCESS_METADATA, context.getHandler());
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = bearerKey(request.headers.authorization);
    if (key === null) throw new ApiErrorException('unauthorized', 'send an access key as Authorization: Bearer <key>');
    const principal = await this.keys.resolve(key);
    if (principal === null) throw new ApiErrorException('unauthorized', 'unknown or revoked access key');
    if (access === undefined || !isAllowed(principal.role, access)) {
      throw new ApiErrorException('forbidden', access === undefined ? 'forbidden' : DENIED[access]);
    }
    if (access !== 'operator' && principal.tenantId === null) throw new ApiErrorException('forbidden', DENIED[access]);
    principals.set(request, principal);
    return true;
  }
}

function principalOf(context: ExecutionContext): Principal {
  const principal = principals.get(context.switchToHttp().getRequest<FastifyRequest>());
  // Only reachable if a route forgot AccessGuard: fail loudly rather than act without an actor.
  if (!principal) throw new Error('no authenticated principal on this request');
  return principal;
}

/** The caller as the services expect it (`actor` on every operation). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const { tenantId, keyId, role, agentId } = principalOf(context);
  return { tenantId, keyId, role, agentId };
});

/** The caller on a tenant route; AccessGuard already refused keys without a tenant there. */
export const CurrentTenantActor = createParamDecorator((_: unknown, context: ExecutionContext): TenantActor => {
  const { tenantId, keyId, role, agentId } = principalOf(context);
  if (tenantId === null) throw new ApiErrorException('forbidden', DENIED.read);
  return { tenantId, keyId, role, agentId };
});
