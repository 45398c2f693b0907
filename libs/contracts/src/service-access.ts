/**
 * Who may call what on the bus. Every operation names the services allowed to call it (beside its schemas, in
 * the *.operations.ts files); the handler's side checks the caller named by a verified request token against
 * that list, and deploy/'s NATS permissions are generated from the same lists.
 */
export const SERVICE_NAMES = ['gateway', 'providers', 'credentials', 'usage'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const isServiceName = (value: unknown): value is ServiceName =>
  typeof value === 'string' && (SERVICE_NAMES as readonly string[]).includes(value);

/** An operation belongs to the service named by its subject's first segment: `credentials.v1.secret.reveal`. */
export function ownerOfSubject(subject: string): ServiceName {
  const owner = subject.slice(0, subject.indexOf('.'));
  if (!isServiceName(owner)) throw new Error(`operation subject "${subject}" does not start with a service name (${SERVICE_NAMES.join(', ')})`);
  return owner;
}

export interface OperationAccess {
  /** The services whose request tokens the handler accepts. */
  readonly callers: readonly ServiceName[];
}

export const fromGateway: OperationAccess = { callers: ['gateway'] };
