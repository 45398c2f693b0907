import { BUS_EVENT_TYPES, type DomainEventType } from '@switchboard/contracts';

/** Domain event type → the type other services see on the bus (`CredentialIssued` → `credential.issued`). */
export function busTypeOf(eventType: string): string {
  if (!Object.hasOwn(BUS_EVENT_TYPES, eventType)) throw new Error(`no bus type for event ${eventType}`);
  return BUS_EVENT_TYPES[eventType as DomainEventType];
}
