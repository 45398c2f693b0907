import { MAX_TOKENS, MODEL } from '../reliability/reliability.bed.js';
import type { ClusterBed } from './cluster.bed.js';

export interface ReplicaRow {
  readonly stream: string;
  readonly kind: 'stream' | 'consumer';
  readonly replicas: number;
  readonly leader: string;
  readonly current: string;
}

/**
 * Makes the stack create everything it keeps in JetStream (one RPM-limited call creates the limiter's KV bucket),
 * then reads from the JetStream API the replicas of EVENTS, of every KV bucket of the stack's namespace and of the
 * durable consumers on EVENTS.
 */
export async function replicaReport(bed: ClusterBed): Promise<ReplicaRow[]> {
  const route = await bed.route('replicas-probe', 1_000, 1_000);
  const response = await fetch(`${bed.stack.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${route.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'replicas' }], max_tokens: MAX_TOKENS }),
  });
  await response.text();
  if (response.status !== 200) throw new Error(`the probe call answered ${response.status}`);
  const rows: ReplicaRow[] = [];
  for (const stream of await bed.streams()) {
    const r = await bed.cluster.replicas(stream);
    rows.push({ stream, kind: 'stream', replicas: r?.replicas ?? 0, leader: r?.leader ?? '-', current: r === null ? '-' : `${r.current}/${r.replicas - 1}` });
  }
  for (const c of await bed.cluster.consumerReplicas(bed.stack.names.eventsStream)) {
    rows.push({ stream: `${bed.stack.names.eventsStream} > ${c.name}`, kind: 'consumer', replicas: c.replicas, leader: '-', current: '-' });
  }
  return rows;
}

/** EVENTS and at least one KV bucket (the RPM limiter's `sb_rate`) exist, and every stream and consumer has 3 replicas. */
export function replicasHeld(rows: readonly ReplicaRow[], eventsStream: string, namespace: string): { readonly ok: boolean; readonly detail: string } {
  const events = rows.some((r) => r.kind === 'stream' && r.stream === eventsStream);
  const kv = rows.some((r) => r.kind === 'stream' && r.stream === `KV_${namespace}_sb_rate`);
  const short = rows.filter((r) => r.replicas !== 3).map((r) => `${r.stream}: R${r.replicas}`);
  return {
    ok: events && kv && short.length === 0,
    detail: !events || !kv ? `missing: ${[events ? '' : eventsStream, kv ? '' : `KV_${namespace}_sb_rate`].filter(Boolean).join(', ')}` : short.length > 0 ? short.join('; ') : `${rows.length} streams and consumers, all R3`,
  };
}
