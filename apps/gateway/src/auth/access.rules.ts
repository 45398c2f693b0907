import type { Role } from '@switchboard/contracts';

/**
 * What a management route needs:
 * - `operator`: platform-level (creating tenants); no tenant key may do it;
 * - `read`: reading inside the caller's tenant;
 * - `write`: changing anything inside the caller's tenant;
 * - `admin`: admin-only even should another role ever get `write` (revealing a secret value).
 * Agent keys serve the proxy routes only, never management.
 */
export type RouteAccess = 'operator' | 'read' | 'write' | 'admin';

const ALLOWED: Readonly<Record<RouteAccess, readonly Role[]>> = {
  operator: ['operator'],
  read: ['admin', 'member'],
  write: ['admin'],
  admin: ['admin'],
};

export function isAllowed(role: Role, access: RouteAccess): boolean {
  return ALLOWED[access].includes(role);
}
