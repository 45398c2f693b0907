import { Inject, Injectable } from '@nestjs/common';
import { appError, CredentialsOps, fail, ok, transportKeyStatement, type Result } from '@switchboard/contracts';
import { BusClient, SERVICE_IDENTITY } from '@switchboard/messaging';
import type { ServiceIdentity } from '@switchboard/service-identity';

/**
 * credentials-service's transport public key, fetched once and kept: every secret value the gateway
 * forwards is sealed to it. A key counts only with credentials-service's identity signature over it, so a
 * responder that is not credentials-service never receives a secret. Concurrent callers share one fetch.
 */
@Injectable()
export class TransportKeyCache {
  private key: string | null = null;
  private pending: Promise<Result<string>> | null = null;

  constructor(
    private readonly bus: BusClient,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  current(): Promise<Result<string>> {
    return this.key !== null ? Promise.resolve(ok(this.key)) : this.fetch();
  }

  /**
   * Fetches the key again because `stale` was refused (credentials-service restarted with a new key). A caller
   * that arrives after another one already refreshed gets the fresh key without a second fetch.
   */
  refresh(stale: string): Promise<Result<string>> {
    if (this.key !== null && this.key !== stale) return Promise.resolve(ok(this.key));
    this.key = null;
    return this.fetch();
  }

  private fetch(): Promise<Result<string>> {
    this.pending ??= this.bus
      .send(CredentialsOps.transportKey, {})
      .then((result): Result<string> => {
        if (!result.ok) return result;
        const { publicKey, signature } = result.value;
        if (!this.identity.verifyStatement('credentials', transportKeyStatement(publicKey), signature)) {
          return fail(appError('internal', 'the transport key is not signed by a trusted credentials-service key'));
        }
        this.key = publicKey;
        return ok(publicKey);
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
