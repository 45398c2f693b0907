import type { AgentFallback, ProviderView } from '@switchboard/contracts';
import { useId } from 'react';
import { ApiError } from '../../api/client';
import { Button, ErrorText, Select, fieldError } from '../../ui';
import { useProviderModels } from './agents.queries';

/** The API's MAX_AGENT_FALLBACKS (libs/contracts); the console imports types only from there. */
export const MAX_FALLBACKS = 5;

/** One row of the editor: `key` keeps React's rows (and their model queries) attached to the row as it moves. */
export interface FallbackRow {
  readonly key: number;
  readonly providerId: string;
  readonly model: string;
}

let lastKey = 0;
const newRow = (providerId = '', model = ''): FallbackRow => ({ key: ++lastKey, providerId, model });

export const fallbackRows = (fallbacks: readonly AgentFallback[]): FallbackRow[] => fallbacks.map((f) => newRow(f.providerId, f.model));
export const fallbacksBody = (rows: readonly FallbackRow[]): AgentFallback[] => rows.map(({ providerId, model }) => ({ providerId, model }));

/** Field names an API error about fallbacks may carry, for `<FormError fields>` not to repeat what a row shows. */
export const FALLBACK_FIELD = 'fallbacks';

interface FallbacksEditorProps {
  readonly rows: readonly FallbackRow[];
  readonly onChange: (rows: FallbackRow[]) => void;
  readonly providers: readonly ProviderView[];
  /** The last API error: `fallbacks[1].providerId: …` shows beside that row's provider. */
  readonly error: unknown;
  /** False inside a panel whose heading already names the list: no frame and legend of its own. */
  readonly framed?: boolean;
}

/** The ordered fallbacks of an agent: a provider and one of its models per row, tried top to bottom. */
export function FallbacksEditor({ rows, onChange, providers, error, framed = true }: FallbacksEditorProps) {
  const hintId = useId();
  const listError = error instanceof ApiError && error.field === FALLBACK_FIELD ? error.detail : null;
  const replace = (index: number, row: FallbackRow) => onChange(rows.map((r, i) => (i === index ? row : r)));
  const move = (from: number, to: number) => {
    const next = [...rows];
    const [row] = next.splice(from, 1);
    if (row !== undefined) next.splice(to, 0, row);
    onChange(next);
  };
  const body = (
    <>
      <p className="field-hint" id={hintId}>
        Tried in order when the provider fails a call before the client got a byte (proxy delivery), at most {MAX_FALLBACKS}.
      </p>
      {listError ? <ErrorText>{listError}</ErrorText> : null}
      {rows.length === 0 ? <p className="muted">No fallbacks.</p> : null}
      {rows.length > 0 ? (
        <ol className="fallback-list">
          {rows.map((row, index) => (
            <li key={row.key}>
              <FallbackRowEditor
                index={index}
                row={row}
                last={index === rows.length - 1}
                providers={providers}
                error={error}
                onChange={(next) => replace(index, next)}
                onMove={(delta) => move(index, index + delta)}
                onRemove={() => onChange(rows.filter((_, i) => i !== index))}
              />
            </li>
          ))}
        </ol>
      ) : null}
      <div className="form-actions">
        <Button onClick={() => onChange([...rows, newRow()])} disabled={rows.length >= MAX_FALLBACKS}>
          Add fallback
        </Button>
      </div>
    </>
  );
  return framed ? (
    <fieldset className="fallbacks" aria-describedby={hintId}>
      <legend>Fallbacks</legend>
      {body}
    </fieldset>
  ) : (
    <div className="fallbacks">{body}</div>
  );
}

interface FallbackRowEditorProps {
  readonly index: number;
  readonly row: FallbackRow;
  readonly last: boolean;
  readonly providers: readonly ProviderView[];
  readonly error: unknown;
  readonly onChange: (row: FallbackRow) => void;
  readonly onMove: (delta: -1 | 1) => void;
  readonly onRemove: () => void;
}

function FallbackRowEditor({ index, row, last, providers, error, onChange, onMove, onRemove }: FallbackRowEditorProps) {
  const models = useProviderModels(row.providerId);
  const n = index + 1;
  const providerOptions = [{ value: '', label: 'Choose a provider' }, ...providers.map((p) => ({ value: p.id, label: `${p.name} (${p.type})` }))];
  const modelOptions = [
    { value: '', label: row.providerId === '' ? 'Choose a provider first' : models.isPending ? 'Loading models…' : 'Choose a model' },
    ...(models.data?.body.data ?? []).map((m) => ({ value: m.name, label: m.name === m.upstreamModel ? m.name : `${m.name} → ${m.upstreamModel}` })),
  ];
  // A fallback saved by its upstream name (or whose model went away) still shows what it names.
  if (row.model !== '' && !modelOptions.some((o) => o.value === row.model)) modelOptions.push({ value: row.model, label: row.model });
  const at = `fallbacks[${index}]`;
  return (
    <div className="fallback-row" role="group" aria-label={`Fallback ${n}`}>
      <Select
        label={`Fallback ${n} provider`}
        value={row.providerId}
        onChange={(providerId) => onChange({ ...row, providerId, model: '' })}
        options={providerOptions}
        error={fieldError(error, `${at}.providerId`) ?? (error instanceof ApiError && error.field === at ? error.detail : null)}
      />
      <Select
        label={`Fallback ${n} model`}
        value={row.model}
        onChange={(model) => onChange({ ...row, model })}
        options={modelOptions}
        disabled={row.providerId === ''}
        error={fieldError(error, `${at}.model`) ?? (models.error ? models.error.message : null)}
      />
      <div className="fallback-actions">
        <Button onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move fallback ${n} up`}>
          Move up
        </Button>
        <Button onClick={() => onMove(1)} disabled={last} aria-label={`Move fallback ${n} down`}>
          Move down
        </Button>
        <Button onClick={onRemove} aria-label={`Remove fallback ${n}`}>
          Remove
        </Button>
      </div>
    </div>
  );
}
