import type { SecretView } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { queryKeyOf } from '../../api/queries';
import { Button, ConfirmDialog, FormError, SecretInput, TextInput, fieldError } from '../../ui';

export const SECRETS_PATH = '/v1/secrets';

/**
 * Values are typed into password fields, sent once and cleared: they are held in component state only while
 * typed, never in a mutation's cache (which would keep the request's variables).
 */
function useSecretWrite() {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function run(write: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await write();
      await queryClient.invalidateQueries({ queryKey: queryKeyOf(SECRETS_PATH) });
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, run, clear: () => setError(null) };
}

export function NewSecretForm() {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const write = useSecretWrite();
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await write.run(() => api.post<SecretView>(SECRETS_PATH, { name, value }))) {
      setName('');
      setValue('');
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="New secret">
      <TextInput label="Name" value={name} onChange={setName} error={fieldError(write.error, 'name')} />
      <SecretInput
        label="Value"
        value={value}
        onChange={setValue}
        error={fieldError(write.error, 'value')}
        hint="Stored encrypted; it is never shown again, only a hint of its last characters."
      />
      <FormError error={write.error} fields={['name', 'value']} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={write.busy}>
          Create secret
        </Button>
      </div>
    </form>
  );
}

/** Replaces a secret's value (a new version); calls in flight finish with the old one. */
export function ReplaceSecretDialog({ secret, onClose }: { readonly secret: SecretView | null; readonly onClose: () => void }) {
  const [value, setValue] = useState('');
  const write = useSecretWrite();
  const close = () => {
    setValue('');
    write.clear();
    onClose();
  };
  async function save() {
    if (secret === null) return;
    const path = `${SECRETS_PATH}/${secret.id}`;
    if (await write.run(() => api.put<SecretView>(path, { value }, { ifMatch: `"${secret.version}"` }))) close();
  }
  return (
    <ConfirmDialog open={secret !== null} title={`Replace the value of ${secret?.name ?? ''}`} confirmLabel="Save" busy={write.busy} onConfirm={() => void save()} onCancel={close}>
      <SecretInput
        label="New value"
        value={value}
        onChange={setValue}
        error={fieldError(write.error, 'value')}
        hint="Providers using this secret take the new value for calls that start after the change."
      />
      <FormError error={write.error} fields={['value']} onReload={close} />
    </ConfirmDialog>
  );
}
