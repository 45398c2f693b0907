import { Injectable } from '@nestjs/common';
import { CredentialsOps, ok, type Result } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';

/**
 * credentials-service's transport public key, fetched once and kept: every secret value the gateway
 * forwards is sealed to it. Concurrent callers share one fetch.
 */
@Injectable()
export class TransportKeyCache {
  private key: string | null = null;
  private pending: Promise<Result<string>> | null = null;

  constructor(private readonly bus: BusClient) {}

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
      .then((result) => {
        if (result.ok) this.key = result.value.publicKey;
        return result.ok ? ok(result.value.publicKey) : result;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
