import { join } from 'node:path';
import { REPO_ROOT } from '@switchboard/testing';
import { composeSchemaProblems, composeStackProblems, durationSeconds, readCompose } from './compose.checks.js';

describe('deploy/compose.yaml', () => {
  const compose = readCompose(join(REPO_ROOT, 'deploy', 'compose.yaml'));

  it('is valid against the Compose Specification schema', () => {
    expect(composeSchemaProblems(compose)).toEqual([]);
  });

  it('runs as written: 2 replicas of every service, health checks, spools and the KMS on volumes, a public URL, a long stop grace', () => {
    expect(composeStackProblems(compose)).toEqual([]);
  });

  it('keeps the 3-node NATS cluster and shares one lasting KMS key directory between the credentials-service replicas', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['nats-1', 'nats-2', 'nats-3', 'postgres', 'kms-init', 'edge']));
    const credentials = compose.services['credentials-service'];
    expect(credentials.volumes).toEqual(['kms:/var/lib/switchboard/kms']);
    expect(credentials.depends_on['kms-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(durationSeconds(compose.services.edge.stop_grace_period)).toBeGreaterThan(600);
  });
});

describe('the compose checks themselves', () => {
  const broken = readCompose(join(REPO_ROOT, 'test', 'deploy', 'fixtures', 'broken-compose.yaml'));

  it('refuse a file the Compose Specification does not allow', () => {
    const problems = composeSchemaProblems(broken).join('\n');
    expect(problems).toMatch(/healthchek/);
    expect(problems).toMatch(/\/services\/gateway\/stop_grace_period must be string/);
  });

  it('refuse a stack that would not run as written', () => {
    const problems = composeStackProblems(broken).join('\n');
    for (const rule of [
      'gateway: image switchboard:latest must name a version',
      'gateway: needs a healthcheck',
      'gateway: a gateway with replicas would share one spool volume',
      'gateway: SWITCHBOARD_SPOOL_DIR must be a writable named volume',
      'gateway: stop_grace_period must exceed the longest call',
      'credentials-service: runs 1 replica(s), not 2',
      'credentials-service: the local KMS directory must be a named volume',
      'SWITCHBOARD_PUBLIC_URL must be set',
      'read_only: true',
    ]) {
      expect(problems).toContain(rule);
    }
  });

  it('read Compose durations', () => {
    expect([durationSeconds('11m'), durationSeconds('1m30s'), durationSeconds('660s'), durationSeconds(600)]).toEqual([660, 90, 660, 0]);
  });
});
