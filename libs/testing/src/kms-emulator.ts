import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LoopbackServer, readBody } from './loopback.server.js';
import { blobKeyId, openBlob, sealBlob } from './kms-emulator.blob.js';
import { contextOf, dataKeyLength, KmsFault, optionalString, requiredBlob, requiredString, type Json } from './kms-emulator.fields.js';

const ACCOUNT_ID = '111122223333';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ALG = 'SYMMETRIC_DEFAULT';

const FIXED_METADATA = {
  AWSAccountId: ACCOUNT_ID, KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER',
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', KeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: [ALG], MultiRegion: false,
} as const;


interface EmulatedKey {
  readonly id: string;
  readonly arn: string;
  readonly material: Buffer;
  readonly created: Date;
  readonly description: string;
  /** Set by ScheduleKeyDeletion: the key is PendingDeletion and refuses every cryptographic operation. */
  deletionDate: Date | null;
  pendingWindowInDays: number | null;
}

const DAY_MS = 86_400_000;

export interface KmsEmulatorCall {
  /** The operation of `X-Amz-Target: TrentService.<Op>`, e.g. `Decrypt`. */
  readonly op: string;
  readonly status: number;
}


/**
 * A KMS stand-in speaking the AWS JSON 1.1 protocol of `TrentService`, so code under test goes
 * through the real @aws-sdk/client-kms. Symmetric keys only. Ciphertext blobs are AES-256-GCM
 * under a per-key random key with the encryption context (canonicalised) as additional data, and
 * name their key, so Decrypt works without KeyId as it does on AWS. SigV4 signatures are not
 * verified, but an Authorization header must be present.
 */
export class KmsEmulator {
  // Resetting connections (rather than answering 503) is what an outage looks like to the SDK.
  private readonly http = new LoopbackServer((req, res) => void this.serve(req, res), { admit: () => this.available });
  private readonly keys = new Map<string, EmulatedKey>();
  /** Alias name (`alias/...`) → key id. */
  private readonly aliases = new Map<string, string>();
  private readonly log: KmsEmulatorCall[] = [];
  private available = true;
  private delayMs = 0;

  constructor(readonly region = 'us-east-1') {}

  /** Listens on 127.0.0.1; after `stop()`, starting again reuses the previous port (and keys). */
  async start(port = this.http.port): Promise<this> {
    await this.http.start(port);
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.http.port}`;
  }

  /** Creates a symmetric key and returns its ARN. */
  createKey(description = ''): string {
    return this.addKey(description).arn;
  }

  /** The key's state as DescribeKey reports it (`Enabled`, `PendingDeletion`), or undefined for an unknown key. */
  keyState(keyIdOrArn: string): string | undefined {
    try {
      return this.resolveKey(keyIdOrArn).deletionDate === null ? 'Enabled' : 'PendingDeletion';
    } catch {
      return undefined;
    }
  }

  /** The end of a waiting period, as AWS does after it: keys pending deletion (and their aliases) are gone for good. */
  completePendingDeletions(): void {
    for (const key of [...this.keys.values()].filter((k) => k.deletionDate !== null)) {
      this.keys.delete(key.id);
      key.material.fill(0);
      for (const [alias, id] of this.aliases) if (id === key.id) this.aliases.delete(alias);
    }
  }

  /** Down: every open and new connection is reset. Up: served again. */
  setAvailable(up: boolean): void {
    this.available = up;
    if (!up) this.http.resetConnections();
  }

  /** Delays every answer, to exercise client timeouts. */
  setResponseDelay(ms: number): void {
    this.delayMs = ms;
  }

  calls(): readonly KmsEmulatorCall[] {
    return this.log;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200;
    let body: Json;
    const op = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    try {
      const raw = await readBody(req);
      body = this.dispatch(req, op, raw);
    } catch (error) {
      const fault = error instanceof KmsFault ? error : new KmsFault('KMSInternalException', String(error));
      status = fault.type === 'KMSInternalException' ? 500 : 400;
      body = { __type: fault.type, message: fault.message };
    }
    this.log.push({ op, status });
    // unref: a delayed answer must not keep a test process alive after stop().
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs).unref());
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  }

  private dispatch(req: IncomingMessage, op: string, raw: string): Json {
    if (req.method !== 'POST' || req.url !== '/') throw new KmsFault('UnknownOperationException', `${req.method} ${req.url} is not served`);
    if (!/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '')) throw new KmsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (!(req.headers['content-type'] ?? '').startsWith(CONTENT_TYPE)) throw new KmsFault('ValidationException', `Content-Type must be ${CONTENT_TYPE}`);
    let input: unknown;
    try {
      input = JSON.parse(raw === '' ? '{}' : raw);
    } catch {
      throw new KmsFault('SerializationException', 'body is not JSON');
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new KmsFault('SerializationException', 'body must be an object');
    const body = input as Json;
    switch (op) {
      case 'CreateKey':
        return { KeyMetadata: this.metadata(this.createFrom(body)) };
      case 'DescribeKey':
        return { KeyMetadata: this.metadata(this.resolveKey(requiredString(body, 'KeyId'))) };
      case 'CreateAlias':
        this.createAlias(requiredString(body, 'AliasName'), this.resolveKey(requiredString(body, 'TargetKeyId')));
        return {};
      case 'ScheduleKeyDeletion':
        return this.scheduleDeletion(this.resolveKey(requiredString(body, 'KeyId')), body['PendingWindowInDays']);
      case 'Encrypt': {
        const key = this.usableKey(requiredString(body, 'KeyId'));
        const plaintext = requiredBlob(body, 'Plaintext', 4096);
        return { CiphertextBlob: sealBlob(key.id, key.material, plaintext, contextOf(body, 'EncryptionContext')), KeyId: key.arn, EncryptionAlgorithm: ALG };
      }
      case 'GenerateDataKey':
      case 'GenerateDataKeyWithoutPlaintext': {
        const key = this.usableKey(requiredString(body, 'KeyId'));
        const dataKey = randomBytes(dataKeyLength(body));
        const out: Json = { CiphertextBlob: sealBlob(key.id, key.material, dataKey, contextOf(body, 'EncryptionContext')), KeyId: key.arn };
        if (op === 'GenerateDataKey') out['Plaintext'] = dataKey.toString('base64');
        return out;
      }
      case 'Decrypt': {
        const { key, plaintext } = this.open(body, 'CiphertextBlob', 'EncryptionContext', 'KeyId');
        return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: ALG };
      }
      case 'ReEncrypt': {
        const destination = this.usableKey(requiredString(body, 'DestinationKeyId'));
        const { key, plaintext } = this.open(body, 'CiphertextBlob', 'SourceEncryptionContext', 'SourceKeyId');
        const blob = sealBlob(destination.id, destination.material, plaintext, contextOf(body, 'DestinationEncryptionContext'));
        return { CiphertextBlob: blob, SourceKeyId: key.arn, KeyId: destination.arn, SourceEncryptionAlgorithm: ALG, DestinationEncryptionAlgorithm: ALG };
      }
      default:
        throw new KmsFault('UnknownOperationException', `operation "${op}" is not emulated`);
    }
  }

  private open(body: Json, blobField: string, contextField: string, keyField: string): { key: EmulatedKey; plaintext: Buffer } {
    const blob = requiredBlob(body, blobField, 6144);
    const context = contextOf(body, contextField);
    const key = this.keys.get(blobKeyId(blob));
    if (key === undefined) throw new KmsFault('InvalidCiphertextException', 'ciphertext names an unknown key');
    const requested = optionalString(body, keyField);
    if (requested !== undefined && this.resolveKey(requested) !== key) throw new KmsFault('IncorrectKeyException', 'KeyId does not identify the key that encrypted the ciphertext');
    this.assertUsable(key);
    return { key, plaintext: openBlob(blob, key.material, context) };
  }

  private createFrom(body: Json): EmulatedKey {
    const usage = optionalString(body, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
    const spec = optionalString(body, 'KeySpec') ?? optionalString(body, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
    if (usage !== 'ENCRYPT_DECRYPT' || spec !== 'SYMMETRIC_DEFAULT') throw new KmsFault('ValidationException', 'only symmetric ENCRYPT_DECRYPT keys are emulated');
    return this.addKey(optionalString(body, 'Description') ?? '');
  }

  private addKey(description: string): EmulatedKey {
    const id = randomUUID();
    const key = { id, arn: `arn:aws:kms:${this.region}:${ACCOUNT_ID}:key/${id}`, material: randomBytes(32), created: new Date(), description, deletionDate: null, pendingWindowInDays: null };
    this.keys.set(id, key);
    return key;
  }

  // AWS: alias names start `alias/`, and `alias/aws/` is reserved for AWS managed keys.
  private createAlias(name: string, key: EmulatedKey): void {
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name) || name.startsWith('alias/aws/')) throw new KmsFault('ValidationException', `Alias name ${name} is not valid`);
    if (this.aliases.has(name)) throw new KmsFault('AlreadyExistsException', `An alias with the name arn:aws:kms:${this.region}:${ACCOUNT_ID}:${name} already exists`);
    this.aliases.set(name, key.id);
  }

  private scheduleDeletion(key: EmulatedKey, window: unknown): Json {
    const days = window === undefined || window === null ? 30 : window;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30) {
      throw new KmsFault('ValidationException', 'PendingWindowInDays must be an integer from 7 to 30');
    }
    if (key.deletionDate !== null) throw new KmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    key.deletionDate = new Date(Date.now() + days * DAY_MS);
    key.pendingWindowInDays = days;
    return { KeyId: key.arn, DeletionDate: key.deletionDate.getTime() / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
  }

  private usableKey(keyId: string): EmulatedKey {
    return this.assertUsable(this.resolveKey(keyId));
  }

  private assertUsable(key: EmulatedKey): EmulatedKey {
    if (key.deletionDate !== null) throw new KmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    return key;
  }

  private resolveKey(keyId: string): EmulatedKey {
    const aliasName = /^arn:aws:kms:[^:]+:\d+:(alias\/.+)$/.exec(keyId)?.[1] ?? (keyId.startsWith('alias/') ? keyId : undefined);
    if (aliasName !== undefined) {
      const target = this.keys.get(this.aliases.get(aliasName) ?? '');
      if (target === undefined) throw new KmsFault('NotFoundException', `Alias arn:aws:kms:${this.region}:${ACCOUNT_ID}:${aliasName} is not found.`);
      return target;
    }
    const key = keyId.startsWith('arn:') ? [...this.keys.values()].find((k) => k.arn === keyId) : this.keys.get(keyId);
    if (key === undefined) throw new KmsFault('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  private metadata(key: EmulatedKey): Json {
    const created = key.created.getTime() / 1000;
    const state = key.deletionDate === null ? { KeyState: 'Enabled', Enabled: true } : { KeyState: 'PendingDeletion', Enabled: false, DeletionDate: key.deletionDate.getTime() / 1000, PendingDeletionWindowInDays: key.pendingWindowInDays };
    return { ...FIXED_METADATA, ...state, KeyId: key.id, Arn: key.arn, CreationDate: created, Description: key.description };
  }
}

const EMULATOR_USAGE = `usage: node libs/testing/dist/kms-emulator.js [--port <port>] [-h | --help]

A local KMS-protocol emulator on 127.0.0.1 (GenerateDataKey, Decrypt, ReEncrypt, CreateKey, CreateAlias, DescribeKey,
ScheduleKeyDeletion, ... over the AWS JSON protocol),
for KMS_BACKEND=aws without AWS. Creates one key at start and prints KMS_ENDPOINT and KMS_KEY_ID; keys live in
memory only. Serves until SIGINT/SIGTERM.
  --port <port>   default 4599 (0: any free port)
Reads no environment. Exit codes: 0 stopped, 2 bad arguments.`;

// Standalone: `node libs/testing/dist/kms-emulator.js --port 4599`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let port = 4599;
  try {
    const { values } = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${EMULATOR_USAGE}\n`);
      process.exit(0);
    }
    port = values.port === undefined ? port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('--port must be an integer from 0 to 65535');
  } catch (error) {
    process.stderr.write(`kms-emulator: ${(error as Error).message}\n\n${EMULATOR_USAGE}\n`);
    process.exit(2);
  }
  const emulator = await new KmsEmulator().start(port);
  const keyId = emulator.createKey('created at start');
  process.stdout.write(`KMS emulator listening\nKMS_ENDPOINT=${emulator.endpoint}\nKMS_KEY_ID=${keyId}\n`);
}
