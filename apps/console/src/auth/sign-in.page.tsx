import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { Button, FormError, PageHeader, TextInput } from '../ui';
import { useSessionState } from './session';

/** Signs in with a tenant admin or member key; the key field is a password field, never autocompleted. */
export function SignInPage() {
  const { signIn } = useSessionState();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (key.trim() === '') {
      setError(new ApiError(400, 'validation_failed', 'key: enter an access key', 'key'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
      setKey('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const keyError = error instanceof ApiError && error.field === 'key' ? error.detail : null;
  return (
    <main className="sign-in">
      <PageHeader title="Sign in to Switchboard" />
      <form onSubmit={submit} noValidate>
        <TextInput
          label="Access key"
          type="password"
          name="access-key"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={setKey}
          error={keyError}
          hint="A tenant admin or member key (sbk_…). It is kept in this tab only and forgotten when you sign out."
        />
        <FormError error={error} fields={['key']} />
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
