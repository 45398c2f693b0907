import { createHash } from 'node:crypto';
import { Controller, Inject, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CredentialsOps,
  appError,
  fail,
  newId,
  ok,
  serviceHealth,
  transportKeyStatement,
  type ParsedRequestOf,
  type RecipientView,
  type ReplyOf,
  type Result,
  type SecretView,
} from '@switchboard/contracts';
import { HandleOperation, SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';
import { generateRecipientKeyPair, openFromTransport, sealForTransport, type RecipientKeyPair } from '@switchboard/sealing';

type Ops = typeof CredentialsOps;
type Req<K extends keyof Ops> = ParsedRequestOf<Ops[K]>;
type Res<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;
type Owned<T> = T & { readonly tenantId: string };

const UsageHealth = serviceHealth('usage');

/** In-memory state of the fake credentials-service; tests read and change it directly. */
export class FakeCredentialsState {
  postgres = true;
  /** Set to make every value operation answer `unavailable`, as a real service does while KMS is down. */
  kmsDown = false;
  transport: RecipientKeyPair = generateRecipientKeyPair();
  /** Signs the transport key in place of this app's credentials identity (a foreign or absent signature). */
  transportSigner: ServiceIdentity | null = null;
  transportKeyFetches = 0;
  gatewayCredentialFetches = 0;
  readonly secrets = new Map<string, Owned<SecretView>>();
  /** Test-only plaintext store: lets specs check what arrived through the sealed transport. */
  readonly values = new Map<string, string>();
  readonly recipients = new Map<string, Owned<RecipientView>>();
  /** What uses a secret; the harness wires it to the fake providers-service. */
  dependents: (tenantId: string, secretId: string) => string[] = () => [];

  /** As after a restart with a fresh key: blobs sealed to the old one no longer open. */
  rotateTransportKey(): void {
    this.transport = generateRecipientKeyPair();
  }
}

export const FAKE_CREDENTIALS_STATE = Symbol('FAKE_CREDENTIALS_STATE');

const at = () => new Date().toISOString();
const strip = <T extends { tenantId: string }>({ tenantId: _t, ...view }: T) => view;
const hintOf = (value: string) => (value.length > 8 ? `${value.slice(0, 3)}…${value.slice(-4)}` : '…');
const fingerprintOf = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);
const notFound = (id: string) => fail(appError('secret_not_found', `secret ${id} not found`));
const kmsDown = () => fail(appError('unavailable', 'KMS is not reachable'));

/** A stand-in for credentials-service over real NATS, opening and sealing values exactly as the real one must. */
@Controller()
export class FakeCredentialsController {
  constructor(
    @Inject(FAKE_CREDENTIALS_STATE) private readonly s: FakeCredentialsState,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  @HandleOperation(CredentialsOps.health)
  async health(): Res<'health'> {
    return ok({ postgres: this.s.postgres });
  }

  @HandleOperation(CredentialsOps.transportKey)
  async transportKey(): Res<'transportKey'> {
    this.s.transportKeyFetches++;
    const { publicKey } = this.s.transport;
    const signer = this.s.transportSigner ?? this.identity;
    return ok({ publicKey, signature: signer.signStatement(transportKeyStatement(publicKey)) });
  }

  @HandleOperation(CredentialsOps.createSecret)
  async createSecret(@Payload() r: Req<'createSecret'>): Res<'createSecret'> {
    if (this.s.kmsDown) return kmsDown();
    const tenantId = r.actor.tenantId ?? '';
    const value = this.open(r.sealedValue, { purpose: 'secret.create', tenantId, subject: r.name });
    if (value === null) return fail(appError('validation_failed', 'sealedValue: does not open with the transport key'));
    const view: Owned<SecretView> = {
      tenantId,
      id: newId('secret'),
      name: r.name,
      kind: r.kind,
      version: 1,
      fingerprint: fingerprintOf(value),
      hint: hintOf(value),
      createdAt: at(),
      updatedAt: at(),
    };
    this.s.secrets.set(view.id, view);
    this.s.values.set(view.id, value);
    return ok(strip(view));
  }

  @HandleOperation(CredentialsOps.listSecrets)
  async listSecrets(@Payload() r: Req<'listSecrets'>): Res<'listSecrets'> {
    return ok({ data: [...this.s.secrets.values()].filter((v) => v.tenantId === r.actor.tenantId).map(strip), nextCursor: null });
  }

  @HandleOperation(CredentialsOps.getSecret)
  async getSecret(@Payload() r: Req<'getSecret'>): Res<'getSecret'> {
    const secret = this.owned(r.id, r.actor.tenantId);
    return secret ? ok(strip(secret)) : notFound(r.id);
  }

  @HandleOperation(CredentialsOps.describeSecrets)
  async describeSecrets(@Payload() r: Req<'describeSecrets'>): Res<'describeSecrets'> {
    return ok({ data: r.ids.flatMap((id) => this.owned(id, r.actor.tenantId) ?? []).map(strip) });
  }

  @HandleOperation(CredentialsOps.rotateSecret)
  async rotateSecret(@Payload() r: Req<'rotateSecret'>): Res<'rotateSecret'> {
    const secret = this.owned(r.id, r.actor.tenantId);
    if (!secret) return notFound(r.id);
    if (this.s.kmsDown) return kmsDown();
    if (r.expectedVersion !== undefined && r.expectedVersion !== secret.version) {
      return fail(appError('version_conflict', `secret ${r.id} is at version ${secret.version}`));
    }
    const value = this.open(r.sealedValue, { purpose: 'secret.rotate', tenantId: secret.tenantId, subject: r.id });
    if (value === null) return fail(appError('validation_failed', 'sealedValue: does not open with the transport key'));
    const next = { ...secret, version: secret.version + 1, hint: hintOf(value), fingerprint: fingerprintOf(value), updatedAt: at() };
    this.s.secrets.set(r.id, next);
    this.s.values.set(r.id, value);
    return ok(strip(next));
  }

  @HandleOperation(CredentialsOps.revealSecret)
  async revealSecret(@Payload() r: Req<'revealSecret'>): Res<'revealSecret'> {
    const secret = this.owned(r.id, r.actor.tenantId);
    if (!secret) return notFound(r.id);
    if (this.s.kmsDown) return kmsDown();
    const stored = this.s.values.get(r.id) ?? '';
    // As the real service: a headers secret comes back as its object, an API key as its string.
    const value: unknown = secret.kind === 'headers' ? JSON.parse(stored) : stored;
    const sealedValue = sealForTransport({ value }, r.replyKey, { purpose: 'secret.reveal', tenantId: secret.tenantId, subject: r.id });
    return ok({ sealedValue, version: secret.version });
  }

  @HandleOperation(CredentialsOps.deleteSecret)
  async deleteSecret(@Payload() r: Req<'deleteSecret'>): Res<'deleteSecret'> {
    const secret = this.owned(r.id, r.actor.tenantId);
    if (!secret) return notFound(r.id);
    if (r.expectedVersion !== undefined && r.expectedVersion !== secret.version) {
      return fail(appError('version_conflict', `secret ${r.id} is at version ${secret.version}`));
    }
    const dependents = this.s.dependents(secret.tenantId, r.id);
    if (dependents.length > 0) return fail(appError('secret_in_use', `secret ${r.id} is used by providers`, { dependents }));
    this.s.secrets.delete(r.id);
    this.s.values.delete(r.id);
    return ok({});
  }

  /** As the real service: sealed to the gateway's reply key, purpose gateway.credential, subject the secret id. */
  @HandleOperation(CredentialsOps.gatewayCredential)
  async gatewayCredential(@Payload() r: Req<'gatewayCredential'>): Res<'gatewayCredential'> {
    this.s.gatewayCredentialFetches++;
    const secret = this.owned(r.secretId, r.tenantId);
    if (!secret) return notFound(r.secretId);
    if (this.s.kmsDown) return kmsDown();
    const stored = this.s.values.get(r.secretId) ?? '';
    const value: unknown = secret.kind === 'headers' ? JSON.parse(stored) : stored;
    const sealedValue = sealForTransport({ value }, r.replyKey, { purpose: 'gateway.credential', tenantId: secret.tenantId, subject: r.secretId });
    return ok({ secretId: secret.id, version: secret.version, kind: secret.kind, sealedValue });
  }

  @HandleOperation(CredentialsOps.registerRecipient)
  async registerRecipient(@Payload() r: Req<'registerRecipient'>): Res<'registerRecipient'> {
    const view = { tenantId: r.actor.tenantId ?? '', id: newId('recipient'), name: r.name, publicKey: r.publicKey, createdAt: at() };
    this.s.recipients.set(view.id, view);
    return ok(strip(view));
  }

  @HandleOperation(CredentialsOps.listRecipients)
  async listRecipients(@Payload() r: Req<'listRecipients'>): Res<'listRecipients'> {
    return ok({ data: [...this.s.recipients.values()].filter((v) => v.tenantId === r.actor.tenantId).map(strip), nextCursor: null });
  }

  private owned(id: string, tenantId: string | null): Owned<SecretView> | undefined {
    const secret = this.s.secrets.get(id);
    return secret && secret.tenantId === tenantId ? secret : undefined;
  }

  private open(sealed: Req<'createSecret'>['sealedValue'], context: Parameters<typeof openFromTransport>[2]): string | null {
    const opened = openFromTransport(sealed, this.s.transport.privateKey, context);
    if (!opened.ok) return null;
    const parsed: unknown = JSON.parse(opened.value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && 'value' in parsed && typeof parsed.value === 'string' ? parsed.value : null;
  }
}

/** usage-service is not faked beyond its health answer, which /readyz asks for. */
@Controller()
export class FakeUsageHealthController {
  constructor(@Inject(FAKE_CREDENTIALS_STATE) private readonly s: FakeCredentialsState) {}

  @HandleOperation(UsageHealth)
  async health(): Promise<Result<ReplyOf<typeof UsageHealth>>> {
    return ok({ postgres: this.s.postgres });
  }
}

export function fakeCredentialsModule(state: FakeCredentialsState) {
  @Module({
    controllers: [FakeCredentialsController],
    providers: [{ provide: FAKE_CREDENTIALS_STATE, useValue: state }],
  })
  class FakeCredentialsModule {}
  return FakeCredentialsModule;
}

/** Its own app: its replies are signed with usage-service's identity. */
export function fakeUsageHealthModule(state: FakeCredentialsState) {
  @Module({
    controllers: [FakeUsageHealthController],
    providers: [{ provide: FAKE_CREDENTIALS_STATE, useValue: state }],
  })
  class FakeUsageHealthModule {}
  return FakeUsageHealthModule;
}
