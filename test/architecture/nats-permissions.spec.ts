import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '@switchboard/contracts';
import { SERVICE_NAMES, serviceHealth, type Operation } from '@switchboard/contracts';
import { REPO_ROOT } from '@switchboard/testing';

interface PermissionUser {
  user: string;
  passwordVariable: string;
  inboxPrefix: string;
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[] };
  allowResponses: boolean;
}

const generator = (...flags: string[]): string =>
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'nats-permissions.mjs'), ...flags], { cwd: REPO_ROOT, encoding: 'utf8' });

const isOperation = (value: unknown): value is Operation =>
  typeof value === 'object' && value !== null && typeof (value as Operation).subject === 'string' && Array.isArray((value as Operation).callers);

/** Every operation of the contracts (this checkout's sources, not the build the generator read). */
function operations(): Operation[] {
  const found = new Map<string, Operation>();
  for (const value of Object.values(contracts)) {
    for (const candidate of isOperation(value) ? [value] : typeof value === 'object' && value !== null ? Object.values(value) : []) {
      if (isOperation(candidate)) found.set(candidate.subject, candidate);
    }
  }
  for (const service of SERVICE_NAMES) if ([...found.values()].some((op) => op.owner === service)) found.set(`${service}.v1.health`, serviceHealth(service));
  return [...found.values()];
}

/** deploy/nats/permissions.conf is generated from the access lists; these keep the two from drifting apart. */
describe('NATS permissions (scripts/nats-permissions.mjs)', () => {
  let users: Map<string, PermissionUser>;

  beforeAll(() => {
    users = new Map((JSON.parse(generator('--json')) as PermissionUser[]).map((u) => [u.user, u]));
  });

  const user = (name: string): PermissionUser => {
    const found = users.get(name);
    if (!found) throw new Error(`no NATS user ${name}`);
    return found;
  };

  it('is what deploy/nats/permissions.conf holds (run `npm run build && npm run nats:permissions` when not)', () => {
    expect(readFileSync(join(REPO_ROOT, 'deploy', 'nats', 'permissions.conf'), 'utf8')).toBe(generator('--stdout'));
  });

  it('lets each service publish exactly the operations that list it as a caller, and only the owner subscribe to them', () => {
    const all = operations();
    expect(all.length).toBeGreaterThan(40);
    for (const service of SERVICE_NAMES) {
      const { publish, subscribe } = user(service);
      const calls = all.filter((op) => op.callers.includes(service)).map((op) => `sb.${op.subject}`);
      const serves = all.filter((op) => op.owner === service).map((op) => `sb.${op.subject}`);
      expect([service, publish.allow.filter((s) => s.startsWith('sb.')).sort()]).toEqual([service, calls.sort()]);
      expect([service, subscribe.allow.filter((s) => s.startsWith('sb.')).sort()]).toEqual([service, serves.sort()]);
      expect([service, user(service).allowResponses]).toEqual([service, serves.length > 0]);
    }
    // usage-service asks credentials-service for webhook secrets only: made, used to sign, destroyed.
    expect(user('usage').publish.allow.filter((s) => s.startsWith('sb.')).sort()).toEqual([
      'sb.credentials.v1.webhook-secret.create',
      'sb.credentials.v1.webhook-secret.destroy',
      'sb.credentials.v1.webhook-secret.sign',
    ]);
    expect(user('credentials').publish.allow.filter((s) => s.startsWith('sb.')).sort()).toEqual(['sb.providers.v1.key.issue-agent', 'sb.providers.v1.secret.dependents']);
    expect(user('orchestrator').publish.allow.some((s) => s.startsWith('sb.'))).toBe(false);
  });

  it('grants no subject-wide wildcard, and each user its own reply inboxes only', () => {
    for (const { user: name, inboxPrefix, publish, subscribe } of users.values()) {
      const grants = [...publish.allow, ...subscribe.allow];
      for (const grant of grants) {
        expect([name, grant]).not.toEqual([name, expect.stringMatching(/^(>|sb\.>|sb\.\*|\$JS\.>|\$JS\.API\.>|events\.>|_INBOX\.>)/)]);
        // Request subjects are granted one by one, never by pattern.
        if (grant.startsWith('sb.')) expect([name, grant]).toEqual([name, expect.not.stringMatching(/[*>]/)]);
      }
      expect(inboxPrefix).toBe(`_INBOX_${name}`);
      expect(grants.filter((s) => s.startsWith('_INBOX'))).toEqual([`_INBOX_${name}.>`]);
    }
  });

  it('names each password (or nkey) by an environment reference, so the file holds no secret', () => {
    const text = readFileSync(join(REPO_ROOT, 'deploy', 'nats', 'permissions.conf'), 'utf8');
    const passwords = text.split('\n').filter((line) => /^\s*password:/.test(line));
    expect(passwords.map((line) => line.trim())).toEqual(
      [...users.values()].map((u) => `password: $${u.passwordVariable}`),
    );
    expect([...users.keys()]).toEqual([...SERVICE_NAMES, 'orchestrator']);
    const nkeys = generator('--stdout', '--nkeys');
    expect(nkeys).not.toContain('password:');
    expect(nkeys.match(/^\s*nkey: \$NATS_[A-Z]+_NKEY$/gm)).toHaveLength(users.size);
  });
});
