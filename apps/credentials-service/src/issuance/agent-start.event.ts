import { z } from 'zod';
import { AgentStartRequested, BusEventEnvelope, Id } from '@switchboard/contracts';

/**
 * `agent.start_requested` as providers-service publishes it. Ids are checked as ids because they end up in
 * a stream id and in the sealing context, where a `|` would blur two contexts together.
 */
export const AgentStartMessage = BusEventEnvelope.extend({
  ...AgentStartRequested.shape,
  tenantId: Id,
  agentId: Id,
  startId: Id,
  recipientId: Id,
});
export type AgentStartMessage = z.infer<typeof AgentStartMessage>;
