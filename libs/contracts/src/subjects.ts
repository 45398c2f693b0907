/**
 * NATS naming. A namespace (env SWITCHBOARD_NAMESPACE, empty by default) isolates stacks that share one
 * NATS server, e.g. concurrent test runs; production leaves it empty and gets the contract names.
 */
export interface BusNames {
  readonly namespace: string;
  /** A request/reply subject, e.g. `sb.providers.v1.provider.register`. */
  command(subject: string): string;
  /** An event subject, e.g. `events.ten_x.provider.registered`. */
  event(tenantId: string, busType: string): string;
  /** Filter for every event of a bus type across tenants, e.g. `events.*.usage.recorded`. */
  eventFilter(busType: string): string;
  readonly eventsStream: string;
  readonly eventsSubjects: string;
  /** Durable consumer names are namespaced too. */
  durable(name: string): string;
}

const NAMESPACE_PATTERN = /^[a-z0-9_]{0,32}$/;

export function busNames(namespace = ''): BusNames {
  if (!NAMESPACE_PATTERN.test(namespace)) throw new Error(`invalid NATS namespace "${namespace}"`);
  const pre = namespace ? `${namespace}.` : '';
  const eventsRoot = `${pre}events`;
  return {
    namespace,
    command: (subject) => `${pre}sb.${subject}`,
    event: (tenantId, busType) => `${eventsRoot}.${tenantId}.${busType}`,
    eventFilter: (busType) => `${eventsRoot}.*.${busType}`,
    eventsStream: namespace ? `EVENTS_${namespace.toUpperCase()}` : 'EVENTS',
    eventsSubjects: `${eventsRoot}.>`,
    durable: (name) => (namespace ? `${namespace}_${name}` : name),
  };
}
