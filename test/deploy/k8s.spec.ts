import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@switchboard/testing';
import {
  disruptionBudgetProblems,
  kustomize,
  lifecycleProblems,
  podTemplates,
  restrictedProblems,
  schemaProblems,
  writablePathProblems,
  type K8sObject,
} from './k8s.checks.js';

const OVERLAYS = join(REPO_ROOT, 'deploy', 'k8s', 'overlays');
const overlays = readdirSync(OVERLAYS).filter((name) => existsSync(join(OVERLAYS, name, 'kustomization.yaml')));
const find = (objects: readonly K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('has a dev and a production overlay', () => {
    expect(overlays).toEqual(expect.arrayContaining(['dev', 'production']));
  });

  describe.each(overlays)('overlay %s', (overlay) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = kustomize(join(OVERLAYS, overlay));
    });

    it('renders with kubectl kustomize, every object in the namespace switchboard', () => {
      expect(objects.length).toBeGreaterThan(10);
      const stray = objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'switchboard').map((o) => `${o.kind}/${o.metadata.name}`);
      expect(stray).toEqual([]);
    });

    it('validates every object against the Kubernetes JSON schemas (kubernetes-models)', async () => {
      expect(await schemaProblems(objects)).toEqual([]);
    });

    it('meets the restricted Pod Security Standard in every pod template', () => {
      expect(podTemplates(objects).length).toBeGreaterThanOrEqual(5);
      expect(restrictedProblems(objects)).toEqual([]);
      const namespace = find(objects, 'Namespace', 'switchboard');
      expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    });

    it('gives every writable path a volume, every workload a PodDisruptionBudget, every service a preStop and a long enough grace period', () => {
      expect(writablePathProblems(objects)).toEqual([]);
      expect(disruptionBudgetProblems(objects)).toEqual([]);
      expect(lifecycleProblems(objects)).toEqual([]);
    });

    it('runs NATS as a 3-node JetStream StatefulSet, with the EVENTS stream and KV at R3 and a public URL for credentials', () => {
      const nats = find(objects, 'StatefulSet', 'nats') as (K8sObject & { spec: { replicas: number } }) | undefined;
      expect(nats?.spec.replicas).toBe(3);
      const config = find(objects, 'ConfigMap', 'switchboard') as (K8sObject & { data: Record<string, string> }) | undefined;
      expect(config?.data).toMatchObject({ SWITCHBOARD_EVENTS_REPLICAS: '3', SWITCHBOARD_KV_REPLICAS: '3' });
      expect(config?.data['SWITCHBOARD_PUBLIC_URL']).toMatch(/^https?:\/\/(?!127\.|localhost)/);
      const natsConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config')) as (K8sObject & { data: Record<string, string> }) | undefined;
      expect(natsConfig?.data['nats.conf']).toMatch(/jetstream/);
      expect(natsConfig?.data['permissions.conf']).toMatch(/authorization/);
    });

    it('keeps the NetworkPolicies (default deny first)', () => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name);
      expect(policies).toEqual(expect.arrayContaining(['default-deny', 'dns', 'nats', 'postgresql', 'switchboard-egress', 'gateway']));
    });
  });
});

describe('the deploy checks themselves', () => {
  it('refuse a deliberately broken manifest', async () => {
    const objects = kustomize(join(REPO_ROOT, 'test', 'deploy', 'fixtures', 'broken-k8s'));
    expect((await schemaProblems(objects)).join('\n')).toMatch(/replicas must be integer/);
    const restricted = restrictedProblems(objects).join('\n');
    for (const rule of [
      'allowPrivilegeEscalation must be false',
      'capabilities must drop ALL',
      'runAsUser must be a numeric non-root uid',
      'seccompProfile must be RuntimeDefault',
      'readOnlyRootFilesystem must be true',
      'needs cpu/memory requests and a memory limit',
      'must name a version tag or digest',
      'volume host is of type hostPath',
    ]) {
      expect(restricted).toContain(rule);
    }
    expect(lifecycleProblems(objects).join('\n')).toMatch(/needs a preStop hook[\s\S]*terminationGracePeriodSeconds 30 must exceed/);
    expect(writablePathProblems(objects)).toEqual([expect.stringContaining('SWITCHBOARD_SPOOL_DIR')]);
    expect(disruptionBudgetProblems(objects)).toEqual([expect.stringContaining('no PodDisruptionBudget')]);
  });

  it('refuse an object of a kind no schema knows', async () => {
    const odd = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(await schemaProblems([odd])).toEqual([expect.stringContaining('no schema for apiVersion example.com/v1')]);
  });

  it('fail with a clear message where kubectl is missing', () => {
    expect(() => kustomize(OVERLAYS, '/nonexistent/kubectl')).toThrow(/kubectl not found .*install kubectl/);
  });
});
