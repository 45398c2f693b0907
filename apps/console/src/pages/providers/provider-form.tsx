import { useRef, useState, type FormEvent } from 'react';
import { useApiMutation } from '../../api/queries';
import { Button, Field, FormError, Select, TextInput, fieldError } from '../../ui';
import { HeaderMapEditor, collectHeaders, type HeaderRow } from './header-map-editor';
import { AUTH_METHOD_OPTIONS, DEFAULTS_BY_TYPE, PROVIDER_TYPE_OPTIONS, providerPath, type AuthMethod, type ProviderType, type ProviderView } from './provider.types';

type Editable = 'name' | 'endpoint' | 'organizationId' | 'defaultModel' | 'rateLimitRpm' | 'monthlyBudgetUsd';
type LocalErrors = Partial<Record<Editable | 'apiKey' | 'customHeaders', string>>;
const FORM_FIELDS = ['name', 'type', 'endpoint', 'authMethod', 'apiKey', 'customHeaders', 'organizationId', 'defaultModel', 'rateLimitRpm', 'monthlyBudgetUsd'];

interface ProviderFormProps {
  /** Absent: a new provider. */
  readonly provider?: ProviderView;
  /** The version the edit started from, sent as If-Match. */
  readonly etag?: string | null;
  readonly onSaved: (provider: ProviderView) => void;
  readonly onCancel: () => void;
  /** Loads the provider again after a version conflict. */
  readonly onReload?: () => void;
}

const text = (value: string | null | undefined) => value ?? '';

/** '' → null (no limit); otherwise a number, or the reason it is not one. */
function parseOptionalNumber(raw: string, integer: boolean): number | null | string {
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) return 'must be a number of at least 0';
  if (integer && (!Number.isInteger(value) || value < 1)) return 'must be a whole number of at least 1';
  return value;
}

/** Create and edit a provider, for each of the three ways it authenticates upstream. */
export function ProviderForm({ provider, etag = null, onSaved, onCancel, onReload }: ProviderFormProps) {
  const editing = provider !== undefined;
  const [name, setName] = useState(text(provider?.name));
  const [type, setType] = useState<ProviderType>(provider?.type ?? 'openai');
  const [endpoint, setEndpoint] = useState(text(provider?.endpoint));
  const [authMethod, setAuthMethod] = useState<AuthMethod>(provider?.authMethod ?? 'bearer');
  const [organizationId, setOrganizationId] = useState(text(provider?.organizationId));
  const [defaultModel, setDefaultModel] = useState(text(provider?.defaultModel));
  const [rpm, setRpm] = useState(provider?.rateLimitRpm == null ? '' : String(provider.rateLimitRpm));
  const [budget, setBudget] = useState(provider?.monthlyBudgetUsd == null ? '' : String(provider.monthlyBudgetUsd));
  const [headerRows, setHeaderRows] = useState<readonly HeaderRow[]>([{ key: 1, name: '' }]);
  const [local, setLocal] = useState<LocalErrors>({});
  // Secret values are read from the inputs on save, never held in React state or written to attributes.
  const apiKeyInput = useRef<HTMLInputElement>(null);
  const headerValues = useRef(new Map<number, HTMLInputElement>()).current;
  const save = useApiMutation<ProviderView>(['/v1/providers']);

  /** A field's own check is shown until that field changes. */
  const edited =
    (field: keyof LocalErrors, set: (value: string) => void) =>
    (value: string): void => {
      set(value);
      setLocal(({ [field]: _dropped, ...rest }) => rest);
    };

  const chooseType = (next: ProviderType) => {
    setType(next);
    if (!editing) setAuthMethod(DEFAULTS_BY_TYPE[next].authMethod);
  };

  function buildBody(): Record<string, unknown> | null {
    const errors: LocalErrors = {};
    const rateLimitRpm = parseOptionalNumber(rpm, true);
    const monthlyBudgetUsd = parseOptionalNumber(budget, false);
    if (typeof rateLimitRpm === 'string') errors.rateLimitRpm = rateLimitRpm;
    if (typeof monthlyBudgetUsd === 'string') errors.monthlyBudgetUsd = monthlyBudgetUsd;
    if (name.trim() === '') errors.name = 'is required';
    if (type === 'custom' && endpoint.trim() === '') errors.endpoint = 'is required for a custom provider';
    const apiKey = authMethod === 'custom_headers' ? '' : (apiKeyInput.current?.value.trim() ?? '');
    const headers = authMethod === 'custom_headers' ? collectHeaders(headerRows, headerValues, !editing || provider?.authMethod !== 'custom_headers') : null;
    if (typeof headers === 'string') errors.customHeaders = headers;
    if (authMethod === 'custom_headers' && headers === null && (!editing || provider?.authMethod !== 'custom_headers')) errors.customHeaders = 'add at least one header';
    setLocal(errors);
    if (Object.keys(errors).length > 0 || typeof rateLimitRpm === 'string' || typeof monthlyBudgetUsd === 'string' || typeof headers === 'string') return null;

    const wanted = {
      name: name.trim(),
      endpoint: endpoint.trim() === '' ? undefined : endpoint.trim(),
      authMethod,
      organizationId: type === 'openai' && organizationId.trim() !== '' ? organizationId.trim() : null,
      defaultModel: defaultModel.trim() === '' ? null : defaultModel.trim(),
      rateLimitRpm,
      monthlyBudgetUsd,
    };
    const credential = { ...(apiKey !== '' ? { apiKey } : {}), ...(headers !== null ? { customHeaders: headers } : {}) };
    if (!editing) {
      const body: Record<string, unknown> = { name: wanted.name, type, authMethod, ...credential };
      if (wanted.endpoint !== undefined) body['endpoint'] = wanted.endpoint;
      for (const field of ['organizationId', 'defaultModel', 'rateLimitRpm', 'monthlyBudgetUsd'] as const) if (wanted[field] !== null) body[field] = wanted[field];
      return body;
    }
    // PATCH sends what changed only.
    const changes: Record<string, unknown> = { ...credential };
    for (const field of ['name', 'endpoint', 'authMethod', 'organizationId', 'defaultModel', 'rateLimitRpm', 'monthlyBudgetUsd'] as const) {
      if (wanted[field] !== undefined && wanted[field] !== provider[field]) changes[field] = wanted[field];
    }
    return changes;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = buildBody();
    if (body === null) return;
    if (editing && Object.keys(body).length === 0) {
      onSaved(provider);
      return;
    }
    try {
      const saved = editing
        ? await save.mutateAsync({ method: 'PATCH', path: providerPath(provider.id), body, ifMatch: etag })
        : await save.mutateAsync({ method: 'POST', path: '/v1/providers', body });
      if (apiKeyInput.current) apiKeyInput.current.value = '';
      for (const input of headerValues.values()) input.value = '';
      onSaved(saved.body);
    } catch {
      // Shown by the fields and FormError from save.error.
    }
  }

  const error = save.error;
  const errorOf = (field: keyof LocalErrors) => local[field] ?? fieldError(error, field);
  const defaults = DEFAULTS_BY_TYPE[type];
  const replacing = editing && provider.credential !== null;
  return (
    <form onSubmit={submit} noValidate aria-label={editing ? `Edit ${provider.name}` : 'New provider'}>
      <TextInput label="Name" value={name} onChange={edited('name', setName)} error={errorOf('name')} required autoComplete="off" />
      <Select
        label="Type"
        value={type}
        onChange={(v) => chooseType(v as ProviderType)}
        options={PROVIDER_TYPE_OPTIONS}
        disabled={editing}
        error={fieldError(error, 'type')}
        hint={editing ? 'The type is fixed once the provider exists.' : undefined}
      />
      <TextInput
        label="Endpoint"
        type="url"
        value={endpoint}
        onChange={edited('endpoint', setEndpoint)}
        placeholder={defaults.endpoint || 'https://llm.example.com/v1'}
        error={errorOf('endpoint')}
        hint={defaults.endpoint ? `Empty: ${defaults.endpoint}` : 'The base URL of the upstream API.'}
      />
      <Select label="Authentication" value={authMethod} onChange={(v) => setAuthMethod(v as AuthMethod)} options={AUTH_METHOD_OPTIONS} error={fieldError(error, 'authMethod')} />
      {authMethod === 'custom_headers' ? (
        <>
          <HeaderMapEditor
            rows={headerRows}
            onRowsChange={setHeaderRows}
            values={headerValues}
            error={error}
            hint={editing && provider.authMethod === 'custom_headers' ? 'Leave the headers empty to keep the stored ones; enter them all to replace them.' : 'Values are stored as secrets and never shown again.'}
          />
          {local.customHeaders ?? fieldError(error, 'customHeaders') ? <p className="error-text" role="alert">{local.customHeaders ?? fieldError(error, 'customHeaders')}</p> : null}
        </>
      ) : (
        <Field
          label="API key"
          error={errorOf('apiKey')}
          hint={replacing ? 'Leave empty to keep the current key; paste a new key to rotate it.' : 'Stored as a secret; after saving only its last characters are shown.'}
        >
          {(control) => <input {...control} ref={apiKeyInput} type="password" autoComplete="new-password" spellCheck={false} />}
        </Field>
      )}
      {type === 'openai' ? <TextInput label="Organization ID" value={organizationId} onChange={edited('organizationId', setOrganizationId)} error={errorOf('organizationId')} autoComplete="off" /> : null}
      <TextInput label="Default model" value={defaultModel} onChange={edited('defaultModel', setDefaultModel)} error={errorOf('defaultModel')} autoComplete="off" hint="Agents use it when they name no model." />
      <TextInput label="Rate limit (RPM)" inputMode="numeric" value={rpm} onChange={edited('rateLimitRpm', setRpm)} error={errorOf('rateLimitRpm')} hint="Requests per minute across the tenant; empty: no limit." />
      <TextInput label="Monthly budget (USD)" inputMode="decimal" value={budget} onChange={edited('monthlyBudgetUsd', setBudget)} error={errorOf('monthlyBudgetUsd')} hint="Calls are refused once it is spent; empty: no budget." />
      <FormError error={error} fields={FORM_FIELDS} onReload={onReload} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
