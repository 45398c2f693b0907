import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { SpanKind } from '@opentelemetry/api';
import { firstValueFrom, timeout } from 'rxjs';
import { busNames, fail } from '@switchboard/contracts';
import type { BusNames, Operation, ReplyOf, RequestOf, Result } from '@switchboard/contracts';
import { BUS_TOKEN_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import { traceHeaders, withSpan } from '@switchboard/telemetry';
import { messagingLogger } from './messaging.logger.js';
import { natsConnectionOptions } from './nats.config.js';
import type { NatsConfig } from './nats.config.js';
import { annotateResult } from './result-span.annotation.js';
import { parseReply, transportFailure } from './reply.envelope.js';
import { SERVICE_IDENTITY } from './service-identity.module.js';
import { outgoingRequest, verifiedReply } from './signed-envelope.js';

export const BUS_CLIENT_PROXY = Symbol('BUS_CLIENT_PROXY');
export const BUS_NATS_CONFIG = Symbol('BUS_NATS_CONFIG');

export const DEFAULT_SEND_TIMEOUT_MS = 5000;

export interface SendOptions {
  /** Whole round trip, connecting included. Default 5000 ms. */
  timeoutMs?: number;
}

/** What BusClient needs of a Nest client proxy. */
export type BusTransport = Pick<ClientNats, 'send' | 'close'>;

/**
 * The Nest NATS client the BusClient sends through, with the service's credentials and TLS; its reply inboxes
 * are under the service's inbox prefix. Reconnects forever once connected.
 */
export function createBusClientProxy(cfg: NatsConfig): BusTransport {
  return new ClientNats(natsConnectionOptions(cfg));
}

/**
 * Request/reply over NATS that never throws for transport reasons: every outcome is a Result. A CLIENT span
 * named after the operation wraps the call and its traceparent travels in the NATS headers. Each request
 * carries a token this service signs for that operation and payload (with the payload's `actor` as its
 * principal), and a reply counts only with the operation's service's proof for that request.
 */
@Injectable()
export class BusClient implements OnApplicationShutdown {
  private readonly names: BusNames;

  constructor(
    @Inject(BUS_CLIENT_PROXY) private readonly proxy: BusTransport,
    @Inject(BUS_NATS_CONFIG) cfg: NatsConfig,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {
    this.names = busNames(cfg.namespace);
  }

  /** Outside Nest (scripts, tests): a client that owns its connection; call close() when done. */
  static create(cfg: NatsConfig, identity: ServiceIdentity): BusClient {
    return new BusClient(createBusClientProxy(cfg), cfg, identity);
  }

  send<O extends Operation>(op: O, payload: RequestOf<O>, options: SendOptions = {}): Promise<Result<ReplyOf<O>>> {
    const subject = this.names.command(op.subject);
    const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.destination.name': subject,
    };
    return withSpan(op.subject, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const request = outgoingRequest(op, payload);
      const { token, jti } = this.identity.signRequest(op, request.json, request.principal);
      const headers = natsHeaders();
      for (const [name, value] of Object.entries(traceHeaders())) headers.set(name, value);
      headers.set(BUS_TOKEN_HEADER, token);
      // A NatsRecord is never nil, so Nest does not reject an operation whose request is undefined.
      const record = new NatsRecordBuilder(request.body).setHeaders(headers).build();
      let raw: unknown;
      try {
        raw = await firstValueFrom(this.proxy.send<unknown>(subject, record).pipe(timeout({ first: timeoutMs })));
      } catch (error) {
        const failure = transportFailure(op.subject, error, timeoutMs);
        // The AppError stays generic; the driver's own words are only logged (redacted).
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        messagingLogger('bus').warn('request failed', { subject: op.subject, code: failure.code, reason });
        const result = fail(failure);
        annotateResult(span, result);
        return result;
      }
      const envelope = verifiedReply(this.identity, op, jti, raw);
      if (!envelope.ok) messagingLogger('bus').warn('reply refused', { subject: op.subject, error: envelope.error.message });
      const result = envelope.ok ? parseReply(op, envelope.value) : envelope;
      annotateResult(span, result);
      return result;
    });
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
