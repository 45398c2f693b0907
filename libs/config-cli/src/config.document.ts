import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { DEFAULT_ALERT_SETTINGS, DEFAULT_TENANT_SETTINGS, FORBIDDEN_CUSTOM_HEADERS, PROVIDER_DEFAULTS, type AlertSettings, type ProviderType, type TenantSettings, type WebhookEventType } from '@switchboard/contracts';
import { invalidConfig, type ConfigProblem, type SourcePosition } from './config.errors.js';
import type { DeclaredAgent, DeclaredCredential, DeclaredModel, DeclaredProvider, DeclaredTenant, DeclaredWebhook } from './config.types.js';
import { parseSecretReference, type SecretReference } from './secret-reference.js';

/** The schema that ships with the project (also what editors load through `# yaml-language-server: $schema=…`). */
export const SCHEMA_URL = new URL('../schema/switchboard.schema.json', import.meta.url);

let validator: ReturnType<Ajv['compile']> | null = null;
function schemaValidator(): ReturnType<Ajv['compile']> {
  validator ??= new Ajv({ allErrors: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  return validator;
}

/** The file as the schema describes it (checked by ajv before anything reads it as this type). */
interface FileProvider {
  name: string;
  type: ProviderType;
  endpoint?: string;
  protocol?: DeclaredProvider['protocol'];
  auth?: { method?: DeclaredProvider['authMethod']; apiKey?: string; headers?: string | Record<string, string> };
  organizationId?: string | null;
  defaultModel?: string | null;
  rateLimitRpm?: number | null;
  monthlyBudgetUsd?: number | null;
  models?: { name: string; upstreamModel?: string; price?: { inputUsdPerMTok: number; outputUsdPerMTok: number; cachedInputUsdPerMTok?: number } }[];
}
interface FileAgent {
  name: string;
  provider: string;
  model?: string | null;
  delivery?: DeclaredAgent['delivery'];
  monthlyBudgetUsd?: number | null;
  fallbacks?: { provider: string; model: string }[];
}
interface FileTenant {
  version: 1;
  providers?: FileProvider[];
  agents?: FileAgent[];
  settings?: Partial<TenantSettings>;
  alerts?: Partial<AlertSettings>;
  webhooks?: { url: string; events: WebhookEventType[] }[];
}

type Path = readonly (string | number)[];

/** Positions of the YAML nodes, so every problem points at a line and column. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The node at `path`, or the nearest ancestor that exists; `key` points at a mapping key instead of its value. */
  at(path: Path, key?: string): SourcePosition | null {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = this.doc.getIn(path.slice(0, depth), true) as Node | undefined;
      if (node === undefined || node === null) continue;
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return this.lines.linePos(keyNode.range[0]);
      }
      if (node.range) return this.lines.linePos(node.range[0]);
    }
    return null;
  }
}

const pathText = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');

function schemaProblems(errors: readonly ErrorObject[], locate: Locator): ConfigProblem[] {
  const byPath = new Map<string, { path: Path; extra: string | undefined; messages: string[]; types: string[] }>();
  // `if`, `anyOf` and `oneOf` only repeat what their branches say; the branches name the field.
  for (const error of errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'anyOf' && e.keyword !== 'oneOf')) {
    const path: Path = error.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    const extra = error.keyword === 'additionalProperties' ? String((error.params as { additionalProperty: string }).additionalProperty) : undefined;
    const fullPath = extra !== undefined ? [...path, extra] : path;
    const entry = byPath.get(pathText(fullPath)) ?? { path, extra, messages: [], types: [] };
    byPath.set(pathText(fullPath), entry);
    // Branches of a `number or null` field each say what type they wanted: said once, together.
    if (error.keyword === 'type') entry.types.push(String((error.params as { type: string }).type).replace(',', ' or '));
    else entry.messages.push(extra !== undefined ? `has an unknown field "${extra}"` : schemaMessage(error));
  }
  return [...byPath.entries()].flatMap(([text, entry]) => {
    const messages = [...(entry.types.length > 0 ? [`must be ${entry.types.join(' or ')}`] : []), ...new Set(entry.messages)];
    return messages.map((message) => ({ path: text, position: locate.at(entry.path, entry.extra), message }));
  });
}

function schemaMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'enum') return `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(params['allowedValue'])}`;
  if (error.keyword === 'pattern' && error.schemaPath.includes('secretReference')) return 'must be a reference like ${env:NAME} or ${file:path}, never a value';
  return error.message ?? 'is invalid';
}

/** Reads a configuration file's text: YAML, then the schema, then the cross-references the schema cannot express. */
export function parseTenantConfig(text: string, file: string): DeclaredTenant {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const locate = new Locator(doc, lines);
  if (doc.errors.length > 0) {
    throw invalidConfig(
      file,
      // The first error is the one to fix; those after it are often its echoes.
      doc.errors.slice(0, 1).map((e) => ({ path: '', position: e.linePos?.[0] ?? null, message: `is not valid YAML: ${e.message.split('\n')[0] ?? ''}` })),
    );
  }
  const data: unknown = doc.toJS();
  const validate = schemaValidator();
  if (!validate(data)) throw invalidConfig(file, schemaProblems(validate.errors ?? [], locate));
  const config = data as FileTenant;
  const problems = crossReferenceProblems(config, locate);
  if (problems.length > 0) throw invalidConfig(file, problems);
  return declaredTenant(config);
}

function duplicates(names: readonly string[]): number[] {
  const seen = new Set<string>();
  return names.flatMap((name, i) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return [i];
    seen.add(key);
    return [];
  });
}

function crossReferenceProblems(config: FileTenant, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Path, message: string): void => void problems.push({ path: pathText(path), position: locate.at(path), message });
  const providers = config.providers ?? [];
  for (const i of duplicates(providers.map((p) => p.name))) add(['providers', i, 'name'], 'repeats a provider name (names are compared ignoring case)');
  providers.forEach((provider, i) => {
    const models = provider.models ?? [];
    for (const j of duplicates(models.map((m) => m.name))) add(['providers', i, 'models', j, 'name'], 'repeats a model name of this provider');
    const headers = provider.auth?.headers;
    if (typeof headers === 'object') {
      for (const name of Object.keys(headers)) {
        if ((FORBIDDEN_CUSTOM_HEADERS as readonly string[]).includes(name.toLowerCase())) add(['providers', i, 'auth', 'headers', name], `is managed by Switchboard and cannot be set`);
      }
    }
  });
  for (const i of duplicates((config.agents ?? []).map((a) => a.name))) add(['agents', i, 'name'], 'repeats an agent name (names are compared ignoring case)');
  if (config.providers !== undefined) {
    const known = new Set(providers.map((p) => p.name.toLowerCase()));
    (config.agents ?? []).forEach((agent, i) => {
      if (!known.has(agent.provider.toLowerCase())) add(['agents', i, 'provider'], `names provider "${agent.provider}", which this file does not declare`);
    });
  }
  (config.agents ?? []).forEach((agent, i) => problems.push(...fallbackProblems(agent, i, config.providers, locate)));
  const urls = (config.webhooks ?? []).map((w) => w.url);
  urls.forEach((url, i) => {
    if (urls.indexOf(url) !== i) add(['webhooks', i, 'url'], 'repeats a webhook URL');
  });
  return problems;
}

/** Names a provider's models answer to in the file: names, upstream names and the default model. */
function modelNamesOf(provider: FileProvider): Set<string> {
  const names = (provider.models ?? []).flatMap((m) => [m.name, m.upstreamModel ?? m.name]);
  return new Set(typeof provider.defaultModel === 'string' ? [...names, provider.defaultModel] : names);
}

/**
 * What the API would refuse of an agent's fallbacks, said where the file says it. Targets are checked against the
 * file's providers and models when it declares them (plan checks them against the tenant otherwise).
 */
function fallbackProblems(agent: FileAgent, index: number, providers: readonly FileProvider[] | undefined, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Path, message: string): void => void problems.push({ path: pathText(path), position: locate.at(path), message });
  const byName = new Map((providers ?? []).map((p) => [p.name.toLowerCase(), p]));
  const seen = new Set<string>();
  (agent.fallbacks ?? []).forEach((fallback, j) => {
    const at: Path = ['agents', index, 'fallbacks', j];
    const target = JSON.stringify([fallback.provider.toLowerCase(), fallback.model]);
    if (providers !== undefined) {
      const provider = byName.get(fallback.provider.toLowerCase());
      if (provider === undefined) add([...at, 'provider'], `names provider "${fallback.provider}", which this file does not declare`);
      else if (!modelNamesOf(provider).has(fallback.model)) {
        add([...at, 'model'], `names model "${fallback.model}", which this file does not declare for provider "${provider.name}" (list it in that provider's models)`);
      }
    }
    if (fallback.provider.toLowerCase() === agent.provider.toLowerCase() && fallback.model === agent.model) {
      add(at, "is the agent's own provider and model; a fallback must be another target");
    } else if (seen.has(target)) add(at, 'repeats an earlier fallback');
    seen.add(target);
  });
  return problems;
}

const reference = (text: string): SecretReference => {
  const parsed = parseSecretReference(text);
  // The schema's pattern admits only references; this is its invariant, not a user error.
  if (parsed === null) throw new Error(`not a reference: ${text.slice(0, 7)}…`);
  return parsed;
};

function declaredCredential(auth: FileProvider['auth']): DeclaredCredential | null {
  if (auth?.apiKey !== undefined) return { kind: 'api_key', apiKey: reference(auth.apiKey) };
  const headers = auth?.headers;
  if (typeof headers === 'string') return { kind: 'headers_json', headers: reference(headers) };
  if (headers !== undefined) return { kind: 'headers', headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, reference(v)])) };
  return null;
}

function declaredProvider(p: FileProvider): DeclaredProvider {
  const defaults = PROVIDER_DEFAULTS[p.type];
  const credential = declaredCredential(p.auth);
  const models: DeclaredModel[] = (p.models ?? []).map((m) => ({
    name: m.name,
    upstreamModel: m.upstreamModel ?? m.name,
    price: m.price ? { inputUsdPerMTok: m.price.inputUsdPerMTok, outputUsdPerMTok: m.price.outputUsdPerMTok, cachedInputUsdPerMTok: m.price.cachedInputUsdPerMTok ?? null } : null,
    implicit: false,
  }));
  // The API keeps a provider's default model as one of its models: declaring the default declares that model.
  if (typeof p.defaultModel === 'string' && !models.some((m) => m.name === p.defaultModel)) {
    models.push({ name: p.defaultModel, upstreamModel: p.defaultModel, price: null, implicit: true });
  }
  return {
    name: p.name,
    type: p.type,
    // The schema requires an endpoint for `custom`, the only type without a default.
    endpoint: p.endpoint ?? defaults.endpoint ?? '',
    protocol: p.protocol ?? defaults.protocol,
    authMethod: p.auth?.method ?? (credential?.kind === 'headers' || credential?.kind === 'headers_json' ? 'custom_headers' : defaults.authMethod),
    organizationId: p.organizationId ?? null,
    defaultModel: p.defaultModel,
    rateLimitRpm: p.rateLimitRpm ?? null,
    monthlyBudgetUsd: p.monthlyBudgetUsd ?? null,
    credential,
    models,
  };
}

function declaredTenant(config: FileTenant): DeclaredTenant {
  return {
    providers: config.providers?.map(declaredProvider),
    agents: config.agents?.map(
      (a): DeclaredAgent => ({
        name: a.name,
        provider: a.provider,
        model: a.model ?? null,
        delivery: a.delivery ?? 'proxy',
        monthlyBudgetUsd: a.monthlyBudgetUsd ?? null,
        fallbacks: (a.fallbacks ?? []).map((f) => ({ provider: f.provider, model: f.model })),
      }),
    ),
    // In a section given, a field left out is the API's default, as for a tenant that never set it.
    settings: config.settings && { ...DEFAULT_TENANT_SETTINGS, ...config.settings },
    alerts: config.alerts && { ...DEFAULT_ALERT_SETTINGS, ...config.alerts },
    webhooks: config.webhooks?.map((w): DeclaredWebhook => ({ url: w.url, events: w.events })),
  };
}
