import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { ApiError } from '../api/client';
import { ErrorText } from './error-text';

export interface ControlProps {
  readonly id: string;
  readonly 'aria-invalid': boolean;
  readonly 'aria-describedby': string | undefined;
}

interface FieldProps {
  readonly label: string;
  /** Shown under the control and announced with it; a string, or the ApiError when it names this field. */
  readonly error?: string | null;
  readonly hint?: ReactNode;
  readonly children: (control: ControlProps) => ReactNode;
}

/** A visible <label> tied to its control, with a hint and an error beside it that the control is described by. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? <ErrorText id={errorId}>{error}</ErrorText> : null}
    </div>
  );
}

type TextInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> & {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error?: string | null;
  readonly hint?: ReactNode;
};

export function TextInput({ label, value, onChange, error, hint, type = 'text', ...rest }: TextInputProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(control) => <input {...rest} {...control} type={type} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

/** An amount in USD (a budget): a decimal, never negative. */
export function UsdInput(props: TextInputProps) {
  return <TextInput type="number" inputMode="decimal" min={0} step="any" {...props} />;
}

/** A value written once and never shown again: masked, left out of autofill and spell checking. */
export function SecretInput(props: TextInputProps) {
  return <TextInput type="password" autoComplete="new-password" spellCheck={false} {...props} />;
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'value' | 'onChange'> & {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly error?: string | null;
  readonly hint?: ReactNode;
};

export function Select({ label, value, onChange, options, error, hint, ...rest }: SelectProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(control) => (
        <select {...rest} {...control} value={value} onChange={(e) => onChange(e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The API error's text for one field (`name`, `customHeaders.Host`, …), or null when it is about something else. */
export function fieldError(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError) || error.field === undefined) return null;
  return error.field === field || error.field.startsWith(`${field}.`) || error.field.startsWith(`${field}[`) ? error.detail : null;
}
