import type { AlertSettingsView } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ApiResponse } from '../../api/client';
import { queryKeyOf, useApiMutation, useApiQuery } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Button, FormError, QueryState, TextInput, fieldError } from '../../ui';

const SETTINGS_PATH = '/v1/alerts/settings';

type SettingName = Exclude<keyof AlertSettingsView, 'version'>;

const SETTINGS: readonly { readonly name: SettingName; readonly label: string; readonly hint: string }[] = [
  { name: 'errorRatePct', label: 'Error rate (%)', hint: 'A provider whose failed calls reach this share of a window raises error_rate.' },
  { name: 'minRequests', label: 'Minimum requests', hint: 'Fewer calls than this in a window raise no error_rate or slow_responses.' },
  { name: 'p95LatencyMs', label: 'p95 latency (ms)', hint: 'A provider whose p95 latency in a window reaches this raises slow_responses.' },
  { name: 'spikeFactor', label: 'Token spike factor', hint: 'An agent using this many times its usual tokens per window raises token_spike.' },
  { name: 'windowMinutes', label: 'Window (minutes)', hint: 'The length of the windows the figures are taken over.' },
  { name: 'baselineWindows', label: 'Baseline windows', hint: 'How many windows before make an agent’s usual token use.' },
];
const FIELDS = SETTINGS.map((s) => s.name);

/** A number as typed; what is not a number goes to the API as typed, so its message shows beside the field. */
const numberOrText = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

/** The thresholds that raise alerts; admins change them (If-Match: a change by someone else in between is refused). */
export function AlertSettingsPanel() {
  const settings = useApiQuery<AlertSettingsView>(SETTINGS_PATH);
  // Here rather than in the form: the form is remade for each version, the save's outcome stays in view.
  const save = useApiMutation<AlertSettingsView>([SETTINGS_PATH]);
  return (
    <section className="panel" aria-labelledby="alert-settings-heading">
      <h2 id="alert-settings-heading">Alert thresholds</h2>
      <QueryState loading={settings.isPending} error={settings.error}>
        {settings.data ? <AlertSettingsForm key={settings.data.etag ?? ''} current={settings.data} save={save} /> : null}
      </QueryState>
    </section>
  );
}

type SaveSettings = ReturnType<typeof useApiMutation<AlertSettingsView>>;

function AlertSettingsForm({ current, save }: { readonly current: ApiResponse<AlertSettingsView>; readonly save: SaveSettings }) {
  const { isAdmin } = useSession();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Record<SettingName, string>>(
    () => Object.fromEntries(FIELDS.map((name) => [name, String(current.body[name])])) as Record<SettingName, string>,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const body = Object.fromEntries(FIELDS.map((name) => [name, numberOrText(values[name])]));
    save.mutate({ method: 'PUT', path: SETTINGS_PATH, body, ifMatch: current.etag });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Alert thresholds" className="settings-grid">
      {SETTINGS.map((s) => (
        <TextInput
          key={s.name}
          label={s.label}
          type="number"
          inputMode="decimal"
          step="any"
          value={values[s.name]}
          onChange={(text) => setValues((v) => ({ ...v, [s.name]: text }))}
          error={fieldError(save.error, s.name)}
          hint={s.hint}
          readOnly={!isAdmin}
        />
      ))}
      <FormError
        error={save.error}
        fields={FIELDS}
        onReload={() => {
          save.reset();
          void queryClient.invalidateQueries({ queryKey: queryKeyOf(SETTINGS_PATH) });
        }}
      />
      {save.isSuccess ? (
        <p className="notice" role="status">
          Thresholds saved.
        </p>
      ) : null}
      {isAdmin ? (
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save
          </Button>
        </div>
      ) : null}
    </form>
  );
}
