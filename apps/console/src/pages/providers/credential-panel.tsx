import { useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../../api/client';
import { queryKeyOf } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, Field, FormError, fieldError } from '../../ui';
import { CredentialSummary } from './credential-status';
import { RevealDialog } from './reveal-dialog';
import { providerPath, type ProviderView } from './provider.types';

/** The masked credential, Reveal (audited, admin only at the API), and rotation by pasting a new key. */
export function CredentialPanel({ provider, etag, onReload }: { readonly provider: ProviderView; readonly etag: string | null; readonly onReload: () => void }) {
  const { isAdmin } = useSession();
  const [revealing, setRevealing] = useState(false);
  const [rotated, setRotated] = useState(false);
  const newKey = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();
  const credential = provider.credential;

  /**
   * PATCH with the version shown. A conflict caused by a change that left the credential as shown (discovery
   * naming a default model, say) does not make the rotation stale: it is sent again once, at the new version.
   */
  async function rotateTo(apiKey: string): Promise<void> {
    const path = providerPath(provider.id);
    try {
      await api.patch(path, { apiKey }, { ifMatch: etag });
    } catch (caught) {
      if (!(caught instanceof ApiError && caught.isConflict)) throw caught;
      const now = await api.get<ProviderView>(path);
      const same = now.body.credential?.secretId === credential?.secretId && now.body.credential?.version === credential?.version;
      if (!same) throw caught;
      await api.patch(path, { apiKey }, { ifMatch: now.etag });
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const apiKey = newKey.current?.value.trim() ?? '';
    if (apiKey === '') {
      setError(new ApiError(400, 'validation_failed', 'apiKey: paste the new key', 'apiKey'));
      return;
    }
    setRotated(false);
    setError(null);
    setBusy(true);
    try {
      await rotateTo(apiKey);
      if (newKey.current) newKey.current.value = '';
      setRotated(true);
      await queryClient.invalidateQueries({ queryKey: queryKeyOf('/v1/providers') });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="credential-heading">
      <h2 id="credential-heading">Credential</h2>
      <dl className="facts">
        <dt>Authentication</dt>
        <dd>{provider.authMethod}</dd>
        <dt>Key</dt>
        <dd>
          <CredentialSummary provider={provider} detailed />
        </dd>
        {credential ? (
          <>
            <dt>Secret version</dt>
            <dd>{credential.version ?? '—'}</dd>
          </>
        ) : null}
      </dl>
      {credential ? (
        <p>
          <Button onClick={() => setRevealing(true)}>Reveal</Button>
        </p>
      ) : null}
      {revealing && credential ? <RevealDialog secretId={credential.secretId} providerName={provider.name} onClose={() => setRevealing(false)} /> : null}
      {isAdmin && provider.authMethod !== 'custom_headers' ? (
        <form onSubmit={submit} noValidate aria-label="Rotate the API key">
          <Field label="New API key" error={fieldError(error, 'apiKey')} hint="Calls that start after the change use the new key; its models are discovered again.">
            {(control) => <input {...control} ref={newKey} type="password" autoComplete="new-password" spellCheck={false} />}
          </Field>
          <FormError error={error} fields={['apiKey']} onReload={onReload} />
          {rotated ? (
            <p className="notice" role="status">
              Key rotated.
            </p>
          ) : null}
          <div className="form-actions">
            <Button type="submit" busy={busy}>
              Rotate key
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
