import type { Role } from '@switchboard/contracts';
import { isAllowed, type RouteAccess } from './access.rules.js';

describe('role rules for management routes', () => {
  const table: Array<[Role, RouteAccess, boolean]> = [
    ['operator', 'operator', true],
    ['operator', 'read', false],
    ['operator', 'write', false],
    ['admin', 'operator', false],
    ['admin', 'read', true],
    ['admin', 'write', true],
    ['member', 'operator', false],
    ['member', 'read', true],
    ['member', 'write', false],
    ['agent', 'operator', false],
    ['agent', 'read', false],
    ['agent', 'write', false],
    ['operator', 'admin', false],
    ['admin', 'admin', true],
    ['member', 'admin', false],
    ['agent', 'admin', false],
  ];

  it.each(table)('%s on a %s route → allowed: %s', (role, access, allowed) => {
    expect(isAllowed(role, access)).toBe(allowed);
  });
});
