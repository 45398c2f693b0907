import { useEffect, type ReactNode } from 'react';
import { ApiError } from '../api/client';

/** A page's heading (an h1, which also titles the tab) and its actions. */
export function PageHeader({ title, actions }: { readonly title: string; readonly actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Switchboard console`;
  }, [title]);
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** Loading, failed or ready: the common frame around a query's result. */
export function QueryState({ loading, error, children }: { readonly loading: boolean; readonly error: unknown; readonly children: ReactNode }) {
  if (error) {
    return (
      <p className="form-error" role="alert">
        {error instanceof ApiError ? error.message : 'Something went wrong loading this page.'}
      </p>
    );
  }
  if (loading) return <p className="loading">Loading…</p>;
  return <>{children}</>;
}
