import { appError, fail, ok, type Actor, type Result } from '@switchboard/contracts';

/** The caller's tenant when its role is one of `roles`; `forbidden`, saying `what`, otherwise. */
export function tenantOf(actor: Actor, roles: readonly Actor['role'][], what: string): Result<string> {
  if (actor.tenantId === null || !roles.includes(actor.role)) return fail(appError('forbidden', what));
  return ok(actor.tenantId);
}

/** Usage, alerts, budgets and webhooks are management data: tenant admins and members read them. */
export const readerTenant = (actor: Actor, what: string): Result<string> => tenantOf(actor, ['admin', 'member'], `only a tenant admin or member key may read ${what}`);
export const adminTenant = (actor: Actor, what: string): Result<string> => tenantOf(actor, ['admin'], `only an admin key may change ${what}`);
