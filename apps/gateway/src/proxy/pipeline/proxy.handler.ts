import { modelsListBody, modelsListProtocol, parseProxyRequest, clientError, type ClientError, type ClientProtocol, type ProxyRequest } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import type { UpstreamClient } from '@switchboard/upstream';
import { AdmitStage, type RpmCheck } from '../admit/admit.stage.js';
import type { BudgetAdmission } from '../admit/budget.admission.js';
import { authenticate, type KeyLookup } from '../authenticate/authenticate.stage.js';
import { CallDeadline } from '../forward/call.deadline.js';
import type { CredentialChecks } from '../forward/credential-checks.js';
import { ForwardStage, type ForwardCall } from '../forward/forward.stage.js';
import type { GatewayCredentialCache } from '../forward/gateway-credential.cache.js';
import { prepareUpstreamRequest } from '../forward/translation.js';
import { failCall, sendClientError } from '../forward/upstream.forwarder.js';
import { CallMeter } from '../meter/call.meter.js';
import { fallsThrough } from '../failover/failover.decision.js';
import { failoverTargets, passesOver, type FailoverTarget } from '../failover/failover.targets.js';
import type { ProviderCircuits } from '../failover/provider-circuits.js';
import { CallRecording } from '../record/record.stage.js';
import type { EstimateContext, UsageRecorder } from '../record/usage.recorder.js';
import { modelListings, resolveModel, type ModelResolution } from '../route/model.resolution.js';
import { resolveRoute, type RouteSource, type Routed } from '../route/route.stage.js';
import type { ProxyExchange } from './proxy.exchange.js';

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
  /** Per-provider circuit breakers of failover (this replica's view). */
  readonly circuits: Pick<ProviderCircuits, 'admits' | 'run'>;
  readonly logger: Logger;
}

/** The provider that served the answer (or refused it), after failover. */
export const PROVIDER_HEADER = 'x-switchboard-provider';

interface AttemptContext {
  readonly protocol: ClientProtocol;
  readonly exchange: ProxyExchange;
  readonly parsed: ProxyRequest;
  readonly target: FailoverTarget;
  readonly resolution: ModelResolution;
  /** 1, 2, … in failover order. */
  readonly attempt: number;
  /** Another target remains: a failure before any byte reached the client is left for it. */
  readonly mayFailOver: boolean;
}

/** An attempt the call may fail over from: nothing was sent to the client; `failure` is what it would be told. */
interface LeftAttempt {
  readonly meter: CallMeter;
  readonly failure: ClientError;
}

function answered(exchange: ProxyExchange, meter: CallMeter, error: ClientError): null {
  failCall(exchange, meter, error);
  return null;
}

function leave(meter: CallMeter, failure: ClientError, errorKind: string = failure.kind): LeftAttempt {
  meter.errorKind ??= errorKind;
  return { meter, failure };
}

/**
 * One proxied call, as plain functions over its exchange (no framework layer per request), through the
 * stages its folders name: authenticate (cached) → route (cached) → admit (RPM and budget reservation) → forward
 * (the provider's credential, cached; streamed back) → meter (filled in along the way) → record (a usage event once
 * the call has been handled). Admit, forward, meter and record run once per target: an upstream failure before any
 * byte reached the client takes the call on to the agent's next target (failover/), each attempt with its own event.
 */
export class ProxyHandler {
  private readonly admission: AdmitStage;
  private readonly forwarding: ForwardStage;

  constructor(private readonly d: ProxyDependencies) {
    this.admission = new AdmitStage({ limiter: d.limiter, budget: d.budget, logger: d.logger });
    this.forwarding = new ForwardStage({ credentials: d.credentials, upstream: d.upstream, credentialChecks: d.credentialChecks, logger: d.logger });
  }

  async call(protocol: ClientProtocol, exchange: ProxyExchange): Promise<void> {
    let ended = (): void => undefined;
    const handled = new Promise<void>((resolve) => (ended = resolve));
    try {
      await this.handle(protocol, exchange, handled);
    } finally {
      ended();
    }
  }

  /** `handled` resolves once this has returned: the usage events wait for it, whenever the client left. */
  private async handle(protocol: ClientProtocol, exchange: ProxyExchange, handled: Promise<void>): Promise<void> {
    const routed = await this.route(protocol, exchange);
    if ('error' in routed) return sendClientError(exchange, routed.error);
    const parsed = parseProxyRequest(protocol, exchange.body);
    if (!parsed.ok) {
      const field = parsed.error.details?.['field'];
      return sendClientError(exchange, clientError(protocol, 'bad_request', parsed.error.message, typeof field === 'string' ? { param: field } : {}));
    }
    const recording = new CallRecording(this.d.recorder, exchange, handled);
    const targets = failoverTargets(routed.route, parsed.value.model);
    let left: LeftAttempt | null = null;
    let attempt = 0;
    for (const [index, target] of targets.entries()) {
      const later = index < targets.length - 1;
      const resolution = resolveModel(target.route, protocol, target.requested);
      if (!resolution.ok && passesOver(target, resolution.kind, { later, failedBefore: left !== null })) continue;
      // An open circuit is passed over without a connection attempt, unless no other target remains.
      if (later && !this.d.circuits.admits(target.route.provider.id)) continue;
      if (left !== null) recording.failedOver(left.failure.status);
      attempt += 1;
      left = await this.attempt({ protocol, exchange, parsed: parsed.value, target, resolution, attempt, mayFailOver: later }, recording);
      if (left === null) return;
    }
    // Every later target was passed over: the client gets the failure of the last attempt.
    if (left !== null) failCall(exchange, left.meter, left.failure);
  }

  /** One target's attempt, recorded as attempt `n`: null once it answered the client, else the failure it left with. */
  private async attempt(a: AttemptContext, recording: CallRecording): Promise<LeftAttempt | null> {
    const { protocol, exchange, parsed, target, resolution } = a;
    const { route } = target;
    const meter = new CallMeter(
      {
        tenantId: route.tenantId,
        agentId: route.agent.id,
        providerId: route.provider.id,
        model: resolution.ok ? resolution.model.name : target.requested,
        protocol,
        stream: parsed.stream,
      },
      exchange.id,
    );
    meter.attempt = a.attempt;
    let estimate: EstimateContext | null = null;
    const deadline = new CallDeadline(this.d.upstreamTimeoutMs);
    recording.begin({ meter, deadline, estimate: () => estimate });
    // On the raw response, so it is also sent with the headers a relayed stream writes itself; the last attempt's wins.
    exchange.res.setHeader(PROVIDER_HEADER, route.provider.id);
    if (!resolution.ok) return answered(exchange, meter, clientError(protocol, resolution.kind, resolution.message));
    const { model } = resolution;
    meter.model = model;

    // A client of the other protocol family is translated into the upstream's dialect, which the rest then speaks.
    if (resolution.dialect !== protocol) meter.upstreamDialect = resolution.dialect;
    const preparation = prepareUpstreamRequest(protocol, resolution.dialect, exchange.body, parsed, {
      upstreamModel: model.upstreamModel,
      defaultMaxTokens: this.d.budget.defaultMaxOutputTokens,
      ...(AdmitStage.budgeted(route) ? { boundOutputTokens: this.d.budget.defaultMaxOutputTokens } : {}),
    });
    if (!preparation.ok) return answered(exchange, meter, preparation.error);
    const prepared = preparation.value;
    const maxOutputTokens = prepared.maxOutputTokens;
    const payload = JSON.stringify(prepared.body);
    const admission = await this.admission.admit(
      { protocol, bodyDialect: resolution.dialect, route, model, body: prepared.body, payloadBytes: Buffer.byteLength(payload), maxOutputTokens },
      meter,
    );
    if (!admission.admitted) {
      // Its refusal is this attempt's usage event; the next target has a limit and budgets of its own.
      if (a.mayFailOver && fallsThrough(admission.refusal)) return leave(meter, admission.refusal);
      return answered(exchange, meter, admission.refusal);
    }

    // A non-streamed answer that never arrives was generated all the same, up to the call's output bound.
    estimate = {
      body: prepared.body,
      providerProtocol: route.provider.protocol,
      outputFloor: parsed.stream ? 0 : (maxOutputTokens ?? this.d.budget.defaultMaxOutputTokens),
      historyTokens: admission.historyTokens,
    };
    const anthropicVersion = exchange.headers['anthropic-version'];
    const call: ForwardCall = {
      protocol,
      route,
      model,
      url: resolution.url,
      payload,
      stream: parsed.stream,
      stripUsageChunk: prepared.stripUsageChunk,
      anthropicVersion: typeof anthropicVersion === 'string' ? anthropicVersion : null,
      translation: prepared.translation,
      mayFailOver: a.mayFailOver,
    };
    const run = await this.d.circuits.run(route.provider.id, () => this.forwarding.forward(call, exchange, meter, deadline), !a.mayFailOver);
    // Opened by another call since this one checked: nothing was sent upstream.
    if (!run.ran) return leave(meter, clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: provider ${route.provider.id} is failing (its circuit is open)`), 'circuit_open');
    return run.value.kind === 'fail_over' ? leave(meter, run.value.failure) : null;
  }

  /** GET /v1/models: the agent's models by the names clients call them, in the client family's list shape. */
  async models(exchange: ProxyExchange): Promise<void> {
    const version = exchange.headers['anthropic-version'];
    const protocol = modelsListProtocol(typeof version === 'string' ? version : undefined);
    const routed = await this.route(protocol, exchange);
    if ('error' in routed) return sendClientError(exchange, routed.error);
    exchange.send(200, { 'content-type': 'application/json' }, JSON.stringify(modelsListBody(protocol, modelListings(routed.route))));
  }

  /** Stages 1 and 2. The key was usually resolved already, at the door before the body was read (EarlyAuth). */
  private async route(protocol: ClientProtocol, exchange: ProxyExchange): Promise<Routed> {
    const authenticated = await authenticate(this.d.keys, protocol, exchange.headers, exchange.principal);
    if ('error' in authenticated) return authenticated;
    return resolveRoute(this.d.routes, protocol, authenticated.caller);
  }
}
