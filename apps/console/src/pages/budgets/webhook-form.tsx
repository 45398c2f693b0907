import type { CreatedWebhookView } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { queryKeyOf } from '../../api/queries';
import { Button, ErrorText, FormError, TextInput, fieldError } from '../../ui';
import { ShownOnceDialog } from '../keys/shown-once.dialog';

export const WEBHOOKS_PATH = '/v1/webhooks';
const EVENTS = [
  { value: 'alert.raised', label: 'An alert is raised (alert.raised)' },
  { value: 'budget.exhausted', label: 'A budget is exhausted (budget.exhausted)' },
  { value: 'budget.restored', label: 'A budget is restored (budget.restored)' },
] as const;

/**
 * Register a webhook. The signing secret comes back once: it is kept in this component's state only (not in the
 * query cache) until the dialog showing it is closed.
 */
export function WebhookForm() {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<readonly string[]>(['alert.raised', 'budget.exhausted']);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<CreatedWebhookView>(WEBHOOKS_PATH, { url, events });
      setSecret(created.body.secret);
      setUrl('');
      await queryClient.invalidateQueries({ queryKey: queryKeyOf(WEBHOOKS_PATH) });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const toggle = (value: string, on: boolean) => setEvents((list) => (on ? [...list, value] : list.filter((e) => e !== value)));
  const eventsError = fieldError(error, 'events');
  return (
    <>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="New webhook">
        <TextInput label="URL" type="url" value={url} onChange={setUrl} error={fieldError(error, 'url')} hint="Receives a signed POST (Standard Webhooks) per event." />
        <fieldset aria-invalid={eventsError !== null}>
          <legend>Events</legend>
          {EVENTS.map((e) => (
            <label key={e.value} className="checkbox">
              <input type="checkbox" checked={events.includes(e.value)} onChange={(change) => toggle(e.value, change.target.checked)} /> {e.label}
            </label>
          ))}
          {eventsError ? <ErrorText>{eventsError}</ErrorText> : null}
        </fieldset>
        <FormError error={error} fields={['url', 'events']} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create webhook
          </Button>
        </div>
      </form>
      <ShownOnceDialog title="Webhook created" label="Signing secret" value={secret} onDone={() => setSecret(null)} />
    </>
  );
}
