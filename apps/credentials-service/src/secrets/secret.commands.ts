import type { Actor, Result } from '@switchboard/contracts';
import { secretDecider, type SecretCommand } from '@switchboard/credentials-domain';
import { handleCommand, type PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { projectInline, projectInlineThen } from '../read-models/inline-projection.js';
import { eventMetadata, streamIds } from '../shared/command-context.js';

/**
 * How every secret write reaches the store: on the secret's own stream, in the caller's name, at the instant
 * the handler put on the command, with the read models projected in the same transaction, and `andThen`
 * (writing or shredding envelopes) in it too, so events and envelopes never disagree. `guard` runs first in the
 * same transaction (a quota check): when it fails, nothing is written.
 */
export function handleSecretCommand(
  store: PgEventStore,
  tenantId: string,
  actor: Actor,
  command: SecretCommand,
  andThen?: (tx: Tx) => Promise<void>,
  guard?: (tx: Tx) => Promise<Result<void>>,
) {
  const project = andThen ? projectInlineThen(andThen) : projectInline;
  return handleCommand({
    store,
    decider: secretDecider,
    streamId: streamIds.secret(command.data.secretId),
    tenantId,
    command,
    metadata: eventMetadata(actor),
    at: command.data.now,
    afterAppend: guard
      ? async (tx: Tx, events: readonly StoredEvent[]) => {
          const passed = await guard(tx);
          return passed.ok ? project(tx, events) : passed;
        }
      : project,
  });
}
