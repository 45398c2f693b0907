import { Inject, Injectable } from '@nestjs/common';
import {
  CREDENTIAL_SIGNATURE_ALG,
  ProvidersOps,
  credentialIssuedStatement,
  newId,
  type CredentialPlaintext,
  type DenialReason,
} from '@switchboard/contracts';
import { issuanceDecider, type IssuanceCommand, type IssuedCredential } from '@switchboard/credentials-domain';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { BusClient, SERVICE_IDENTITY } from '@switchboard/messaging';
import { sealCredential } from '@switchboard/sealing';
import type { ServiceIdentity } from '@switchboard/service-identity';
import { recipientViews } from '../../recipients/recipient.queries.js';
import { secretMaterialOf, type SecretMaterial } from '../../secrets/secret-value.js';
import { SecretVault } from '../../secrets/secret.vault.js';
import { eventMetadata, streamIds } from '../../shared/command-context.js';
import { CREDENTIALS_SETTINGS, type CredentialsSettings } from '../../shared/credentials.settings.js';
import { newAgentKey } from '../agent-key.js';
import type { AgentStartMessage } from '../agent-start.event.js';

export type IssuanceOutcome = 'issued' | 'denied' | 'already_decided';

type Denial = { readonly kind: 'deny'; readonly reason: DenialReason };
type Decision = { readonly kind: 'issue'; readonly credential: IssuedCredential } | Denial;
type Provider = NonNullable<AgentStartMessage['provider']>;

const deny = (reason: DenialReason): Denial => ({ kind: 'deny', reason });

/** Who the events of an issuance are attributed to: no person asked, the start event did. */
const ISSUER = { keyId: 'credentials-service', role: 'service' } as const;

/**
 * Thrown when the decision depends on a peer that is not answering right now: the consumer naks and the
 * start is retried, instead of denying a start that would succeed a moment later.
 */
export class IssuanceRetryLater extends Error {
  override readonly name = 'IssuanceRetryLater';
}

/**
 * Answers one `agent.start_requested`: credential.issued (sealed to the recipient) or credential.denied with
 * a reason, appended once to `start-<startId>`. Redeliveries find the stream decided and do nothing.
 */
@Injectable()
export class IssueCredentialHandler {
  constructor(
    private readonly store: PgEventStore,
    private readonly vault: SecretVault,
    private readonly bus: BusClient,
    @Inject(CREDENTIALS_SETTINGS) private readonly settings: CredentialsSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  async handle(start: AgentStartMessage): Promise<IssuanceOutcome> {
    const streamId = streamIds.start(start.startId);
    // Cheap check first: a redelivered start must not decrypt a secret or mint an agent key again.
    if ((await this.store.readStream(streamId)).version > 0) return 'already_decided';

    const now = new Date();
    // Chosen here because the credential's signature covers it.
    const eventId = newId('event');
    const decision = await this.decide(start, now, eventId);
    const command: IssuanceCommand =
      decision.kind === 'issue'
        ? { type: 'IssueCredential', data: { credential: decision.credential, now } }
        : { type: 'DenyCredential', data: { agentId: start.agentId, startId: start.startId, reason: decision.reason, now } };
    // No expectedVersion: the append is at the version just read (0), and a replica that lost the race
    // re-reads, finds the start decided, and the decider decides nothing.
    const handled = await handleCommand({
      store: this.store,
      decider: issuanceDecider,
      streamId,
      tenantId: start.tenantId,
      command,
      metadata: eventMetadata(ISSUER, start.eventId),
      at: now,
      newEventId: () => eventId,
    });
    if (!handled.ok) throw new Error(`could not record the decision for start ${start.startId}: ${handled.error.code}`);
    if (handled.value.events.length === 0) return 'already_decided';
    return decision.kind === 'issue' ? 'issued' : 'denied';
  }

  private async decide(start: AgentStartMessage, now: Date, eventId: string): Promise<Decision> {
    const { tenantId, provider } = start;
    const [recipient] = await recipientViews(this.store.dataSource.manager, tenantId, start.recipientId);
    if (recipient === undefined) return deny('unknown_recipient');
    if (provider === null) return deny('provider_deleted');
    if (provider.secretId === null) return deny('no_credentials');

    // Read for both deliveries: a proxy credential whose upstream key cannot be decrypted would only fail later, at the gateway.
    const opened = await this.vault.openCurrent(tenantId, provider.secretId);
    if (!opened.ok) return deny(opened.error.reason === 'kms_unavailable' ? 'kms_unavailable' : 'secret_unreadable');
    // Only direct delivery turns the bytes into a value; proxy delivery never holds the upstream key as a string.
    let material: SecretMaterial | null = null;
    try {
      if (start.delivery === 'direct') material = secretMaterialOf(opened.value.kind, opened.value.plaintext);
    } catch {
      return deny('secret_unreadable');
    } finally {
      opened.value.plaintext.fill(0);
    }

    const expiresAt = new Date(now.getTime() + this.settings.credentialTtlSeconds * 1000).toISOString();
    let plaintext: CredentialPlaintext;
    if (material !== null) {
      plaintext = { baseUrl: provider.endpoint, ...material, expiresAt };
    } else {
      const agentKey = await this.issueAgentKey(start, expiresAt);
      if (agentKey.kind === 'deny') return agentKey;
      plaintext = { baseUrl: `${this.settings.publicUrl}/v1`, apiKey: agentKey.key, expiresAt };
    }
    const sealed = sealCredential(plaintext, recipient.publicKey, {
      tenantId,
      agentId: start.agentId,
      startId: start.startId,
      recipientId: start.recipientId,
    });
    const signed = { eventId, tenantId, agentId: start.agentId, startId: start.startId, recipientId: start.recipientId, delivery: start.delivery, sealed, expiresAt };
    const statement = credentialIssuedStatement(signed);
    if (statement === null) throw new Error(`start ${start.startId}: an id holds the signature separator`);
    return {
      kind: 'issue',
      credential: {
        agentId: start.agentId,
        startId: start.startId,
        recipientId: start.recipientId,
        delivery: start.delivery,
        provider: snapshotOf(provider),
        sealed,
        expiresAt,
        signature: { alg: CREDENTIAL_SIGNATURE_ALG, ...this.identity.signStatement(statement) },
      },
    };
  }

  /** Mints a scoped key and has providers-service register its hash, bound to this agent and start. */
  private async issueAgentKey(start: AgentStartMessage, expiresAt: string): Promise<{ readonly kind: 'key'; readonly key: string } | Denial> {
    const agentKey = newAgentKey();
    const issued = await this.bus.send(ProvidersOps.issueAgentKey, {
      tenantId: start.tenantId,
      agentId: start.agentId,
      startId: start.startId,
      keyId: agentKey.keyId,
      keyHash: agentKey.keyHash,
      expiresAt,
    });
    if (issued.ok) return { kind: 'key', key: agentKey.key };
    switch (issued.error.code) {
      case 'agent_not_found':
        return deny('agent_deleted');
      case 'provider_not_found':
        return deny('provider_deleted');
      default:
        throw new IssuanceRetryLater(`providers-service did not issue the agent key (${issued.error.code}): ${issued.error.message}`);
    }
  }
}

/** The provider as `credential.issued` shows it: everything an agent needs but the credential reference. */
function snapshotOf(provider: Provider): IssuedCredential['provider'] {
  const { id, type, protocol, endpoint, authMethod, organizationId, model } = provider;
  return { id, type, protocol, endpoint, authMethod, organizationId, model };
}
