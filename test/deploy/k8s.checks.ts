import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered: only the fields the checks read are typed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

// Plain JSON walking: the checks read whatever the manifests hold, typed or not.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Renders a kustomization with `kubectl kustomize`; fails with a clear message where kubectl is missing. */
export function kustomize(dir: string, kubectl = process.env['KUBECTL'] ?? 'kubectl'): K8sObject[] {
  const run = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `kubectl not found (${kubectl}): test/deploy renders the Kubernetes overlays with \`kubectl kustomize\`; install kubectl (or set KUBECTL to its path)`
        : `${kubectl} kustomize ${dir} failed to run: ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new Error(`${kubectl} kustomize ${dir} exited ${run.status}: ${run.stderr.trim()}`);
  return parseAllDocuments(run.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const id = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? '?'}`;

/** Validates each object against the JSON schema of its kind in kubernetes-models (pinned in package.json). */
export async function schemaProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [null, object.apiVersion];
    const module = group === null ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
    let models: Record<string, Json>;
    try {
      models = (await import(module)) as Record<string, Json>;
    } catch {
      problems.push(`${id(object)}: no schema for apiVersion ${object.apiVersion}`);
      continue;
    }
    const Model = models[object.kind];
    if (typeof Model !== 'function') {
      problems.push(`${id(object)}: no schema for kind ${object.kind} in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${id(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Every pod template in the objects, named after its owner (CronJobs and bare Pods included). */
export function podTemplates(objects: readonly K8sObject[]): { owner: K8sObject; name: string; spec: Json; labels: Record<string, string> }[] {
  const out: { owner: K8sObject; name: string; spec: Json; labels: Record<string, string> }[] = [];
  for (const o of objects as Json[]) {
    const template = WORKLOADS.has(o.kind) ? o.spec?.template : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.kind === 'Pod' ? o : null;
    if (template) out.push({ owner: o, name: id(o), spec: template.spec ?? {}, labels: template.metadata?.labels ?? {} });
  }
  return out;
}

/**
 * The `restricted` Pod Security Standard (the policy's checks as of v1.34), plus this project's rules: a numeric
 * non-root runAsUser, a read-only root filesystem, resource requests and limits, a preStop hook.
 */
export function restrictedProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { name, spec } of podTemplates(objects)) {
    const pod = spec.securityContext ?? {};
    const say = (what: string) => problems.push(`${name}: ${what}`);
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) say('uses host namespaces');
    for (const volume of spec.volumes ?? []) {
      const type = Object.keys(volume).find((k) => k !== 'name');
      if (!type || !ALLOWED_VOLUMES.includes(type)) say(`volume ${volume.name} is of type ${type}, not allowed by the restricted standard`);
    }
    const containers: Json[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    for (const c of containers) {
      const sc = c.securityContext ?? {};
      const at = (what: string) => say(`container ${c.name}: ${what}`);
      if (sc.privileged === true) at('privileged');
      if (sc.allowPrivilegeEscalation !== false) at('allowPrivilegeEscalation must be false');
      const drop: string[] = sc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) at('capabilities must drop ALL');
      const add: string[] = sc.capabilities?.add ?? [];
      if (add.some((cap) => cap !== 'NET_BIND_SERVICE')) at(`adds capabilities ${add.join(', ')}`);
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) at('runAsNonRoot must be true');
      const user = sc.runAsUser ?? pod.runAsUser;
      if (!Number.isInteger(user) || user === 0) at('runAsUser must be a numeric non-root uid');
      const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') at('seccompProfile must be RuntimeDefault (or Localhost)');
      if (sc.readOnlyRootFilesystem !== true) at('readOnlyRootFilesystem must be true');
      if ((c.ports ?? []).some((p: Json) => p.hostPort)) at('uses a hostPort');
      const r = c.resources ?? {};
      if (!r.requests?.cpu || !r.requests?.memory || !r.limits?.memory) at('needs cpu/memory requests and a memory limit');
      const image: string = c.image ?? '';
      if (!/[:@]/.test(image.split('/').pop() ?? '') || image.endsWith(':latest')) at(`image ${image} must name a version tag or digest`);
    }
  }
  return problems;
}

const isSwitchboard = (image: unknown) => typeof image === 'string' && /(^|\/)switchboard[:@]/.test(image);

/**
 * Stops that finish what they started: every Switchboard container has a preStop hook, and the gateway's grace
 * period outlasts its preStop sleep plus the longest proxied call (SWITCHBOARD_UPSTREAM_TIMEOUT_MS of the ConfigMap).
 */
export function lifecycleProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const config = (objects as Json[]).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchboard');
  const longestCallSeconds = Number(config?.data?.SWITCHBOARD_UPSTREAM_TIMEOUT_MS ?? 600_000) / 1000;
  for (const { name, spec } of podTemplates(objects)) {
    for (const c of spec.containers ?? []) {
      if (!isSwitchboard(c.image)) continue;
      const preStop: string[] = c.lifecycle?.preStop?.exec?.command ?? [];
      if (preStop.length === 0 && !c.lifecycle?.preStop?.sleep) problems.push(`${name}: container ${c.name} needs a preStop hook`);
      const sleep = Number(c.lifecycle?.preStop?.sleep?.seconds ?? (preStop[0] === 'sleep' ? preStop[1] : 0)) || 0;
      const grace = spec.terminationGracePeriodSeconds;
      if (typeof grace !== 'number') problems.push(`${name}: needs terminationGracePeriodSeconds`);
      const gateway = (c.env ?? []).some((e: Json) => e.name === 'SERVICE' && e.value === 'gateway');
      if (gateway && !(grace > sleep + longestCallSeconds)) {
        problems.push(`${name}: terminationGracePeriodSeconds ${grace} must exceed preStop ${sleep} s + the longest call ${longestCallSeconds} s`);
      }
    }
  }
  return problems;
}

/** Writable paths the services are told about (env *_DIR) must be volumes, as the root filesystem is read-only. */
export function writablePathProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { name, spec } of podTemplates(objects)) {
    for (const c of spec.containers ?? []) {
      for (const env of c.env ?? []) {
        if (!/_DIR$/.test(env.name) || !env.value) continue;
        const mounted = (c.volumeMounts ?? []).some((m: Json) => !m.readOnly && (env.value === m.mountPath || env.value.startsWith(`${m.mountPath}/`)));
        if (!mounted) problems.push(`${name}: ${env.name}=${env.value} is on the read-only root filesystem (no writable volume there)`);
      }
    }
  }
  return problems;
}

/** Each workload's pods are covered by a PodDisruptionBudget. */
export function disruptionBudgetProblems(objects: readonly K8sObject[]): string[] {
  const budgets = (objects as Json[]).filter((o) => o.kind === 'PodDisruptionBudget');
  return podTemplates(objects)
    .filter(({ labels }) => !budgets.some((b) => Object.entries(b.spec?.selector?.matchLabels ?? { '': '' }).every(([k, v]) => labels[k] === v)))
    .map(({ name }) => `${name}: no PodDisruptionBudget selects its pods`);
}
