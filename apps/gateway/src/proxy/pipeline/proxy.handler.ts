import { modelsListBody, modelsListProtocol, parseProxyRequest, prepareUpstreamBody, clientError, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import type { UpstreamClient } from '@switchboard/upstream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { earlyPrincipal } from '../../http/early-auth.hook.js';
import { AdmitStage, type RpmCheck } from '../admit/admit.stage.js';
import type { BudgetAdmission } from '../admit/budget.admission.js';
import { authenticate, type KeyLookup } from '../authenticate/authenticate.stage.js';
import { CallDeadline } from '../forward/call.deadline.js';
import type { CredentialChecks } from '../forward/credential-checks.js';
import { ForwardStage } from '../forward/forward.stage.js';
import type { GatewayCredentialCache } from '../forward/gateway-credential.cache.js';
import { failCall, sendClientError } from '../forward/upstream.forwarder.js';
import { CallMeter } from '../meter/call.meter.js';
import { recordWhenHandled } from '../record/record.stage.js';
import type { EstimateContext, UsageRecorder } from '../record/usage.recorder.js';
import { modelListings, resolveModel } from '../route/model.resolution.js';
import { resolveRoute, type RouteSource, type Routed } from '../route/route.stage.js';

export interface ProxyDependencies {
  readonly keys: KeyLookup;
  readonly routes: RouteSource;
  readonly credentials: GatewayCredentialCache;
  readonly limiter: RpmCheck;
  readonly budget: BudgetAdmission;
  readonly upstream: UpstreamClient;
  /** Told when the upstream rejects a provider's credential (401), and when it accepts it again. */
  readonly credentialChecks: CredentialChecks;
  /** Queues each call's usage event, estimated first where the upstream did not report it all. */
  readonly recorder: UsageRecorder;
  /** The longest one upstream call may take, from request to last byte (SWITCHBOARD_UPSTREAM_TIMEOUT_MS). */
  readonly upstreamTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * One proxied call, as plain functions over Fastify's request and reply (no Nest layer per request), through the
 * stages its folders name: authenticate (cached) → route (cached) → admit (RPM and budget reservation) → forward
 * (the provider's credential, cached; streamed back) → meter (filled in along the way) → record (a usage event once
 * the call has been handled).
 */
export class ProxyHandler {
  private readonly admission: AdmitStage;
  private readonly forwarding: ForwardStage;

  constructor(private readonly d: ProxyDependencies) {
    this.admission = new AdmitStage({ limiter: d.limiter, budget: d.budget, logger: d.logger });
    this.forwarding = new ForwardStage({ credentials: d.credentials, upstream: d.upstream, credentialChecks: d.credentialChecks, logger: d.logger });
  }

  async call(protocol: ClientProtocol, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let ended = (): void => undefined;
    const handled = new Promise<void>((resolve) => (ended = resolve));
    try {
      await this.handle(protocol, request, reply, handled);
    } finally {
      ended();
    }
  }

  /** `handled` resolves once this has returned: the usage event waits for it, whenever the client left. */
  private async handle(protocol: ClientProtocol, request: FastifyRequest, reply: FastifyReply, handled: Promise<void>): Promise<void> {
    const routed = await this.route(protocol, request);
    if ('error' in routed) return sendClientError(reply, routed.error);
    const parsed = parseProxyRequest(protocol, request.body);
    if (!parsed.ok) {
      const field = parsed.error.details?.['field'];
      return sendClientError(reply, clientError(protocol, 'bad_request', parsed.error.message, typeof field === 'string' ? { param: field } : {}));
    }
    const { route } = routed;
    const resolution = resolveModel(route, protocol, parsed.value.model);
    const meter = new CallMeter(
      {
        tenantId: route.tenantId,
        agentId: route.agent.id,
        providerId: route.provider.id,
        model: resolution.ok ? resolution.model.name : parsed.value.model,
        protocol,
        stream: parsed.value.stream,
      },
      request.id,
    );
    let estimate: EstimateContext | null = null;
    const deadline = new CallDeadline(this.d.upstreamTimeoutMs);
    recordWhenHandled(this.d.recorder, reply, meter, deadline, handled, () => estimate);
    if (!resolution.ok) return failCall(reply, meter, clientError(protocol, resolution.kind, resolution.message));
    const { model } = resolution;
    meter.model = model;

    const maxOutputTokens = parsed.value.maxOutputTokens;
    const prepared = prepareUpstreamBody(protocol, request.body, {
      upstreamModel: model.upstreamModel,
      ...(AdmitStage.budgeted(route) ? { boundOutputTokens: this.d.budget.defaultMaxOutputTokens } : {}),
    });
    const payload = JSON.stringify(prepared.body);
    const admission = await this.admission.admit({ protocol, route, model, body: prepared.body, payloadBytes: Buffer.byteLength(payload), maxOutputTokens }, meter);
    if (!admission.admitted) return failCall(reply, meter, admission.refusal);

    // A non-streamed answer that never arrives was generated all the same, up to the call's output bound.
    estimate = {
      body: prepared.body,
      providerProtocol: route.provider.protocol,
      outputFloor: parsed.value.stream ? 0 : (maxOutputTokens ?? this.d.budget.defaultMaxOutputTokens),
      historyTokens: admission.historyTokens,
    };
    const anthropicVersion = request.headers['anthropic-version'];
    await this.forwarding.forward(
      {
        protocol,
        route,
        model,
        url: resolution.url,
        payload,
        stream: parsed.value.stream,
        stripUsageChunk: prepared.stripUsageChunk,
        anthropicVersion: typeof anthropicVersion === 'string' ? anthropicVersion : null,
      },
      reply,
      meter,
      deadline,
    );
  }

  /** GET /v1/models: the agent's models by the names clients call them, in the client family's list shape. */
  async models(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const version = request.headers['anthropic-version'];
    const protocol = modelsListProtocol(typeof version === 'string' ? version : undefined);
    const routed = await this.route(protocol, request);
    if ('error' in routed) return sendClientError(reply, routed.error);
    void reply.header('content-type', 'application/json').send(JSON.stringify(modelsListBody(protocol, modelListings(routed.route))));
  }

  /** Stages 1 and 2. The key was usually resolved already, before the body was read (registerEarlyAuth). */
  private async route(protocol: ClientProtocol, request: FastifyRequest): Promise<Routed> {
    const authenticated = await authenticate(this.d.keys, protocol, request.headers, earlyPrincipal(request));
    if ('error' in authenticated) return authenticated;
    return resolveRoute(this.d.routes, protocol, authenticated.caller);
  }
}
