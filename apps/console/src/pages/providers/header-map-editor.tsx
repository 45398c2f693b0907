import { useRef } from 'react';
import { Button, Field, fieldError } from '../../ui';

/** Headers an upstream request sets itself; the API refuses them too (libs/contracts FORBIDDEN_CUSTOM_HEADERS). */
const MANAGED_HEADERS = ['host', 'content-length', 'connection', 'transfer-encoding'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
export const MAX_HEADERS = 20;

export interface HeaderRow {
  readonly key: number;
  readonly name: string;
}

/** What is wrong with a header name as typed, or null; checked on every keystroke. */
export function headerNameProblem(name: string, rows: readonly HeaderRow[], key: number): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return null;
  if (MANAGED_HEADERS.includes(trimmed.toLowerCase())) return `${trimmed} is set by Switchboard on every upstream call and cannot be sent`;
  if (!HEADER_NAME.test(trimmed)) return 'is not a valid header name (letters, digits and -, no spaces)';
  if (rows.some((r) => r.key !== key && r.name.trim().toLowerCase() === trimmed.toLowerCase())) return 'is already in the list';
  return null;
}

interface HeaderMapEditorProps {
  readonly rows: readonly HeaderRow[];
  readonly onRowsChange: (rows: readonly HeaderRow[]) => void;
  /** Values stay out of React state (and so out of the DOM's attributes): the form reads them from here on save. */
  readonly values: Map<number, HTMLInputElement>;
  readonly error: unknown;
  readonly disabled?: boolean;
  /** On edit, empty values keep the stored headers. */
  readonly hint?: string;
}

export function HeaderMapEditor({ rows, onRowsChange, values, error, disabled = false, hint }: HeaderMapEditorProps) {
  const nextKey = useRef(rows.reduce((max, r) => Math.max(max, r.key), 0) + 1);
  const add = () => onRowsChange([...rows, { key: nextKey.current++, name: '' }]);
  const remove = (key: number) => {
    values.delete(key);
    onRowsChange(rows.filter((r) => r.key !== key));
  };
  const rename = (key: number, name: string) => onRowsChange(rows.map((r) => (r.key === key ? { ...r, name } : r)));
  return (
    <fieldset disabled={disabled}>
      <legend>Custom headers</legend>
      {hint ? <p className="field-hint">{hint}</p> : null}
      {rows.map((row, index) => {
        const apiError = fieldError(error, `customHeaders.${row.name.trim()}`);
        return (
          <div className="header-row" key={row.key}>
            <Field label={`Header ${index + 1} name`} error={headerNameProblem(row.name, rows, row.key) ?? apiError}>
              {(control) => <input {...control} value={row.name} autoComplete="off" spellCheck={false} onChange={(e) => rename(row.key, e.target.value)} />}
            </Field>
            <Field label={`Header ${index + 1} value`}>
              {(control) => (
                <input
                  {...control}
                  type="password"
                  autoComplete="new-password"
                  ref={(input) => {
                    if (input) values.set(row.key, input);
                  }}
                />
              )}
            </Field>
            <Button onClick={() => remove(row.key)} aria-label={`Remove header ${index + 1}`}>
              Remove
            </Button>
          </div>
        );
      })}
      {rows.length < MAX_HEADERS ? <Button onClick={add}>Add header</Button> : null}
    </fieldset>
  );
}

/** The header map to send, or a reason it cannot be sent yet. */
export function collectHeaders(rows: readonly HeaderRow[], values: Map<number, HTMLInputElement>, valuesRequired: boolean): Record<string, string> | string | null {
  const named = rows.filter((r) => r.name.trim() !== '');
  for (const row of named) if (headerNameProblem(row.name, rows, row.key) !== null) return 'fix the header names marked above';
  const headers: Record<string, string> = {};
  for (const row of named) {
    const value = values.get(row.key)?.value ?? '';
    if (value === '') {
      if (valuesRequired) return `give a value for ${row.name.trim()}`;
      continue;
    }
    headers[row.name.trim()] = value;
  }
  return Object.keys(headers).length === 0 ? null : headers;
}
