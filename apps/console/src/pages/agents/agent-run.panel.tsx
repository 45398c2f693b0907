import { useState } from 'react';
import { useApiMutation } from '../../api/queries';
import { Button, FormError, QueryState, Select, fieldError } from '../../ui';
import { AGENTS_PATH, useRecipients } from './agents.queries';

/**
 * Start hands the agent's credential, sealed, to a recipient (an orchestrator or gateway registered through the API);
 * Stop revokes the agent keys issued at its starts. Both are accepted (202) and finish on the bus.
 */
export function AgentRunPanel({ agentId }: { readonly agentId: string }) {
  const recipients = useRecipients();
  const [recipientId, setRecipientId] = useState('');
  const start = useApiMutation<{ startId: string }>();
  const stop = useApiMutation<{ revokedKeys: number }>([AGENTS_PATH, '/v1/keys']);
  const list = recipients.data?.body.data ?? [];
  const chosen = recipientId || list[0]?.id || '';

  return (
    <section className="panel" aria-labelledby="agent-run-heading">
      <h2 id="agent-run-heading">Start and stop</h2>
      <QueryState loading={recipients.isPending} error={recipients.error}>
        {list.length === 0 ? (
          <p className="muted">No recipient is registered yet: an orchestrator registers its public key with POST /v1/recipients before it can receive a start.</p>
        ) : (
          <Select
            label="Recipient"
            value={chosen}
            onChange={setRecipientId}
            options={list.map((r) => ({ value: r.id, label: r.name }))}
            error={fieldError(start.error, 'recipientId')}
            hint="Who receives the sealed credential."
          />
        )}
      </QueryState>
      <div className="form-actions">
        <Button
          variant="primary"
          disabled={chosen === ''}
          busy={start.isPending}
          onClick={() => {
            stop.reset();
            start.mutate({ method: 'POST', path: `${AGENTS_PATH}/${agentId}/start`, body: { recipientId: chosen } });
          }}
        >
          Start
        </Button>
        <Button
          busy={stop.isPending}
          onClick={() => {
            start.reset();
            stop.mutate({ method: 'POST', path: `${AGENTS_PATH}/${agentId}/stop` });
          }}
        >
          Stop
        </Button>
      </div>
      <FormError error={start.error ?? stop.error} fields={['recipientId']} />
      {start.data ? (
        <p className="notice" role="status">
          Start recorded (<code>{start.data.body.startId}</code>): the credential is sealed for the recipient and follows on the bus.
        </p>
      ) : null}
      {stop.data ? (
        <p className="notice" role="status">
          Stopped: {stop.data.body.revokedKeys} agent key{stop.data.body.revokedKeys === 1 ? '' : 's'} issued at its starts revoked.
        </p>
      ) : null}
    </section>
  );
}
