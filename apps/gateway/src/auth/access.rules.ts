import type { Role } from '@switchboard/contracts';

/**
 * What a management route needs:
 * - `operator`: platform-level (creating tenants); no tenant key may do it;
 * - `read`: reading inside the caller's tenant;
 * - `write`: changing anything inside the caller's tenant.
 * Agent keys serve the proxy routes only, never management.
 */
export type RouteAccess = 'operator' | 'read' | 'write';

const ALLOWED: Readonly<Record<RouteAccess, readonly Role[]>> = {
  operator: ['operator'],
  read: ['admin', 'member'],
  write: ['admin'],
};

export function isAllowed(role: Role, access: RouteAccess): boolean {
  return ALLOWED[access].includes(role);
}
