import type { AlertSettings, TenantSettings } from '@switchboard/contracts';
import type { DeclaredAgent, DeclaredCredential, DeclaredModel, DeclaredProvider, DeclaredWebhook } from './config.types.js';
import { formatSecretReference } from './secret-reference.js';

/** One field that differs: `to` is what the file declares. Credentials show their reference, never a value. */
export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Where an existing resource is and the version read with it (sent back as If-Match). */
export interface Existing {
  readonly id: string;
  readonly version: number | null;
}

/**
 * One change of a plan, holding what apply needs to make it. Plans list them in the order apply makes them:
 * settings, providers, models, provider updates, agents, webhooks, then deletes with dependents first.
 */
export type Change =
  | { readonly type: 'update_settings'; readonly existing: Existing; readonly fields: readonly FieldChange[]; readonly body: Partial<TenantSettings> }
  | { readonly type: 'update_alerts'; readonly existing: Existing; readonly fields: readonly FieldChange[]; readonly body: Partial<AlertSettings> }
  | { readonly type: 'create_provider'; readonly provider: DeclaredProvider }
  | {
      readonly type: 'update_provider';
      readonly name: string;
      readonly existing: Existing;
      readonly fields: readonly FieldChange[];
      /** Registration fields to PATCH (credentials excluded: `credential`). */
      readonly body: Readonly<Record<string, unknown>>;
      readonly credential: DeclaredCredential | null;
    }
  | { readonly type: 'create_model'; readonly provider: string; readonly model: DeclaredModel }
  /** Models have no update route: a model that differs is removed and added again. */
  | { readonly type: 'replace_model'; readonly provider: string; readonly model: DeclaredModel; readonly existing: Existing; readonly fields: readonly FieldChange[] }
  | { readonly type: 'create_agent'; readonly agent: DeclaredAgent }
  | { readonly type: 'update_agent'; readonly name: string; readonly existing: Existing; readonly fields: readonly FieldChange[]; readonly agent: DeclaredAgent }
  | { readonly type: 'create_webhook'; readonly webhook: DeclaredWebhook }
  /** Webhooks have no update route either; a new one gets a new signing secret. */
  | { readonly type: 'replace_webhook'; readonly webhook: DeclaredWebhook; readonly existing: Existing; readonly fields: readonly FieldChange[] }
  | { readonly type: 'delete_agent'; readonly name: string; readonly existing: Existing }
  | { readonly type: 'delete_model'; readonly provider: string; readonly name: string; readonly existing: Existing }
  | { readonly type: 'delete_provider'; readonly name: string; readonly existing: Existing }
  | { readonly type: 'delete_webhook'; readonly url: string; readonly existing: Existing };

export interface Plan {
  readonly changes: readonly Change[];
  /** Resources the file does not name, kept because --prune was not given. */
  readonly unmanaged: readonly string[];
}

export const subjectOf = (change: Change): string => {
  switch (change.type) {
    case 'update_settings':
      return 'tenant settings';
    case 'update_alerts':
      return 'alert thresholds';
    case 'create_provider':
      return `provider "${change.provider.name}"`;
    case 'update_provider':
    case 'delete_provider':
      return `provider "${change.name}"`;
    case 'create_model':
    case 'replace_model':
      return `model "${change.model.name}" of provider "${change.provider}"`;
    case 'delete_model':
      return `model "${change.name}" of provider "${change.provider}"`;
    case 'create_agent':
      return `agent "${change.agent.name}"`;
    case 'update_agent':
    case 'delete_agent':
      return `agent "${change.name}"`;
    case 'create_webhook':
    case 'replace_webhook':
      return `webhook "${change.webhook.url}"`;
    case 'delete_webhook':
      return `webhook "${change.url}"`;
    default:
      return assertNever(change);
  }
};

export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

const shown = (value: unknown): string => (value === null || value === undefined ? 'none' : Array.isArray(value) ? `[${value.join(', ')}]` : typeof value === 'string' ? value : JSON.stringify(value));

export const credentialShown = (credential: DeclaredCredential | null): string => {
  if (credential === null) return 'none';
  if (credential.kind === 'api_key') return `apiKey from ${formatSecretReference(credential.apiKey)}`;
  if (credential.kind === 'headers_json') return `headers from ${formatSecretReference(credential.headers)}`;
  return `headers ${Object.entries(credential.headers).map(([name, ref]) => `${name} from ${formatSecretReference(ref)}`).join(', ')}`;
};

/** The plan as people read it: one line per change, `+` create, `~` update, `-` delete, fields `from → to`. */
export function renderPlan(plan: Plan): string[] {
  const lines = plan.changes.map((change): string => {
    const subject = subjectOf(change);
    const fields = 'fields' in change ? change.fields.map((f) => `${f.field} ${shown(f.from)} → ${shown(f.to)}`).join(', ') : '';
    switch (change.type) {
      case 'create_provider':
      case 'create_model':
      case 'create_agent':
      case 'create_webhook':
        return `+ create ${subject}`;
      case 'update_settings':
      case 'update_alerts':
      case 'update_provider':
      case 'update_agent':
        return `~ update ${subject}: ${fields}`;
      case 'replace_model':
        return `~ update ${subject}: ${fields} (replaced: models cannot be changed in place)`;
      case 'replace_webhook':
        return `~ update ${subject}: ${fields} (replaced: a new signing secret is made)`;
      case 'delete_agent':
      case 'delete_model':
      case 'delete_provider':
      case 'delete_webhook':
        return `- delete ${subject}`;
      default:
        return assertNever(change);
    }
  });
  const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
  if (lines.length === 0) lines.push('No changes: the tenant matches the file.');
  else lines.push('', `Plan: ${count('+')} to create, ${count('~')} to update, ${count('-')} to delete.`);
  if (plan.unmanaged.length > 0) lines.push(`Not in the file and kept (apply --prune deletes them): ${plan.unmanaged.join(', ')}.`);
  return lines;
}
