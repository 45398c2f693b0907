/** JetStream keeps at most 5 copies of a stream (an R3 stream needs a cluster of at least 3 servers). */
export const MAX_STREAM_REPLICAS = 5;

/**
 * Replicas of the EVENTS stream from `SWITCHBOARD_EVENTS_REPLICAS` (default 1: a single development server).
 * Read at start; a bad value stops the service with a message naming the variable.
 */
export function eventsReplicasFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return streamReplicas(env, 'SWITCHBOARD_EVENTS_REPLICAS', 1);
}

/** An integer 1…5 from `variable`, or `fallback` when it is unset or blank. */
export function streamReplicas(env: Readonly<Record<string, string | undefined>>, variable: string, fallback: number): number {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_STREAM_REPLICAS) {
    throw new Error(`${variable} must be an integer from 1 to ${MAX_STREAM_REPLICAS} (JetStream replicas)`);
  }
  return value;
}
