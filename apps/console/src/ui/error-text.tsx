import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function ErrorText({ id, children }: { readonly id?: string | undefined; readonly children: ReactNode }) {
  return (
    <p className="error-text" id={id} role="alert">
      {children}
    </p>
  );
}

export const CONFLICT_MESSAGE = 'Changed by someone else — reload to see the current version, then make your change again.';

/**
 * An error not shown beside a field: a version conflict in the words people expect, or the API's message.
 * Pass `fields` (the form's field names) so that errors already shown beside a field are not repeated.
 */
export function FormError({ error, fields = [], onReload }: { readonly error: unknown; readonly fields?: readonly string[]; readonly onReload?: () => void }) {
  if (error === null || error === undefined) return null;
  if (error instanceof ApiError) {
    if (error.field !== undefined && fields.some((f) => error.field === f || error.field?.startsWith(`${f}.`) || error.field?.startsWith(`${f}[`))) return null;
    if (error.isConflict) {
      return (
        <div className="form-error" role="alert">
          <p>{CONFLICT_MESSAGE}</p>
          {onReload ? (
            <button type="button" className="button secondary" onClick={onReload}>
              Reload
            </button>
          ) : null}
        </div>
      );
    }
    return (
      <p className="form-error" role="alert">
        {error.message}
      </p>
    );
  }
  return (
    <p className="form-error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
