import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { queryKeyOf } from '../../api/queries';
import { Button, FormError, Select, TextInput, fieldError } from '../../ui';
import { useAgents } from '../agents/agents.queries';
import { ShownOnceDialog } from './shown-once.dialog';

export const KEYS_PATH = '/v1/keys';

const ROLES = [
  { value: 'member', label: 'Member — reads everything, changes nothing' },
  { value: 'admin', label: 'Admin — everything in the tenant' },
  { value: 'agent', label: 'Agent — the proxy routes only, as one agent' },
];

/**
 * Create a key. The key comes back once: it stays in this component's state (never in the query cache or storage)
 * until the dialog showing it is closed.
 */
export function KeyForm() {
  const queryClient = useQueryClient();
  const agents = useAgents();
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [agentId, setAgentId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name, role, ...(role === 'agent' && agentId !== '' ? { agentId } : {}) };
      const answer = await api.post<{ key: string }>(KEYS_PATH, body);
      setCreated(answer.body.key);
      setName('');
      await queryClient.invalidateQueries({ queryKey: queryKeyOf(KEYS_PATH) });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const agentOptions = [
    { value: '', label: agents.isPending ? 'Loading agents…' : 'Choose an agent' },
    ...(agents.data?.body.data ?? []).map((a) => ({ value: a.id, label: a.name })),
  ];
  return (
    <>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="New key">
        <TextInput label="Name" value={name} onChange={setName} error={fieldError(error, 'name')} />
        <Select label="Role" value={role} onChange={setRole} options={ROLES} error={fieldError(error, 'role')} />
        {role === 'agent' ? <Select label="Agent" value={agentId} onChange={setAgentId} options={agentOptions} error={fieldError(error, 'agentId')} /> : null}
        <FormError error={error} fields={['name', 'role', 'agentId']} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create key
          </Button>
        </div>
      </form>
      <ShownOnceDialog title="Key created" label="Access key" value={created} onDone={() => setCreated(null)} />
    </>
  );
}
