import { trace } from '@opentelemetry/api';
import { isServiceFault, roundUsd, type AgentRoute, type Principal } from '@switchboard/contracts';
import {
  clientError,
  modelsListBody,
  modelsListProtocol,
  parseProxyRequest,
  prepareUpstreamBody,
  upstreamAuthHeaders,
  worstCaseShape,
  MEDIA_PART_TOKENS,
  type ClientError,
  type ClientProtocol,
} from '@switchboard/llm-protocols';
import type { UpstreamClient, UpstreamErrorKind } from '@switchboard/upstream';
import type { Logger } from '@switchboard/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyResolver } from '../auth/key.resolver.js';
import { earlyPrincipal } from '../http/early-auth.hook.js';
import { RETRY_AFTER_SECONDS } from '../http/error-status.table.js';
import type { AgentRouteCache } from './agent-route.cache.js';
import { budgetLimits, inputTokenBound, maxCallCostUsd, serverSideBound, type BudgetAdmission } from './budget.admission.js';
import { CallDeadline } from './call.deadline.js';
import { CallMeter } from './call.meter.js';
import type { CredentialChecks } from './credential-checks.js';
import type { GatewayCredential, GatewayCredentialCache } from './gateway-credential.cache.js';
import { genAiRequestAttributes, startUpstreamSpan } from './genai.span.js';
import { modelListings, resolveModel } from './model.resolution.js';
import { AGENT_HEADER, isRefusal, presentedKey, selectCaller } from './proxy-caller.js';
import { RateLimitUnavailable, type RpmLimiter } from './rpm.limiter.js';
import { forwardStream } from './stream.forwarder.js';
import { discardBody, forwardWhole, isRelayedJson, isRelayedStream, sendClientError, upstreamErrorAnswer, upstreamFailure } from './upstream.forwarder.js';
import type { EstimateContext, UsageRecorder } from './usage.recorder.js';

export interface ProxyDependencies {
  readonly keys: KeyResolver;
  readonly routes: AgentRouteCache;
  readonly credentials: GatewayCredentialCache;
  readonly limiter: RpmLimiter;
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

/** Failures after which the upstream had the request and may have worked on it (and billed it). */
const SENT_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['aborted', 'timeout', 'connection_lost']);

type Routed = { readonly route: AgentRoute } | { readonly error: ClientError };

const unavailable = (protocol: ClientProtocol, what: string): ClientError =>
  clientError(protocol, 'service_unavailable', `Service Unavailable: ${what}; try again`, { retryAfterSeconds: RETRY_AFTER_SECONDS });

/**
 * One proxied call, as plain functions over Fastify's request and reply (no Nest layer per request):
 * authenticate (cached), resolve the agent's route (cached), admit (RPM and budget reservation), forward with the provider's
 * credential (cached), stream back, and record a usage event once the call has been handled.
 */
export class ProxyHandler {
  constructor(private readonly d: ProxyDependencies) {}

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
    const { provider } = route;
    const resolution = resolveModel(route, protocol, parsed.value.model);
    const meter = new CallMeter({
      tenantId: route.tenantId,
      agentId: route.agent.id,
      providerId: provider.id,
      model: resolution.ok ? resolution.model.name : parsed.value.model,
      protocol,
      stream: parsed.value.stream,
    }, request.id);
    // The event waits for the call to be handled: a client that leaves closes the response before the upstream
    // has reported what it used, or even answered.
    let estimate: EstimateContext | null = null;
    const deadline = new CallDeadline(this.d.upstreamTimeoutMs);
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) deadline.clientLeft();
      void handled.then(() => {
        deadline.settle();
        this.d.recorder.record(meter, reply, estimate);
      });
    });
    if (!resolution.ok) return this.fail(reply, meter, clientError(protocol, resolution.kind, resolution.message));
    meter.model = resolution.model;

    const limits = budgetLimits(route);
    const budgeted = limits.length > 0;
    const prepared = prepareUpstreamBody(protocol, request.body, {
      upstreamModel: resolution.model.upstreamModel,
      ...(budgeted ? { boundOutputTokens: this.d.budget.defaultMaxOutputTokens } : {}),
    });
    const payload = JSON.stringify(prepared.body);

    // Rate limit and budget are asked at once: a call the limiter refuses still settles its reservation
    // (at zero) through its usage event, like every other failed call.
    const admissions: Promise<ClientError | null>[] = [];
    if (provider.rateLimitRpm !== null) admissions.push(this.admit(protocol, provider.id, provider.rateLimitRpm));
    const { tenant } = route;
    const shape = budgeted || tenant.serverToolCallUsd !== null ? worstCaseShape(protocol, prepared.body) : null;
    let historyTokens = 0;
    if (shape !== null && tenant.serverToolCallUsd !== null && shape.pricedTools.length > 0) {
      meter.serverTools = { usdPerCall: tenant.serverToolCallUsd, cap: shape.toolCallCap };
    }
    if (budgeted && shape !== null) {
      const bound = serverSideBound(shape, tenant);
      if ('refusal' in bound) return this.fail(reply, meter, clientError(protocol, 'bad_request', bound.refusal, { param: bound.param }));
      historyTokens = bound.historyTokens;
      const maxOutput = (parsed.value.maxOutputTokens ?? this.d.budget.defaultMaxOutputTokens) * shape.choices;
      const maxInput = inputTokenBound(Buffer.byteLength(payload)) + shape.mediaParts * MEDIA_PART_TOKENS + historyTokens;
      const tokensUsd = maxCallCostUsd(resolution.model, maxInput, maxOutput);
      const amount = tokensUsd === null ? null : roundUsd(tokensUsd + bound.toolCallsUsd);
      if (amount === null) {
        return this.fail(
          reply,
          meter,
          clientError(
            protocol,
            'bad_request',
            `model ${resolution.model.name} has no known price, so the monthly budget of this agent's provider cannot be held; ` +
              'set inputUsdPerMTok and outputUsdPerMTok on the model',
          ),
        );
      }
      admissions.push(
        this.d.budget.admit(protocol, route, meter.requestId, limits, amount).then(({ refusal, lease }) => {
          if (lease !== undefined) meter.budgetLease = lease;
          return refusal;
        }),
      );
    }
    if (admissions.length > 0) {
      const refusals = await Promise.all(admissions);
      const refusal = refusals.find((r) => r !== null);
      if (refusal !== undefined && refusal !== null) return this.fail(reply, meter, refusal);
    }
    let credential: GatewayCredential | null = null;
    if (provider.secretId !== null) {
      credential = this.d.credentials.peek(route.tenantId, provider.secretId) ?? null;
      if (credential === null) {
        const fetched = await this.d.credentials.get(route.tenantId, provider.secretId);
        if (!fetched.ok) {
          this.d.logger.warn('provider credential unavailable', { providerId: provider.id, code: fetched.error.code });
          return this.fail(reply, meter, unavailable(protocol, "the provider's credential could not be obtained"));
        }
        credential = fetched.value;
      }
    }
    const anthropicVersion = request.headers['anthropic-version'];
    const headers = upstreamAuthHeaders(provider.authMethod, credential?.upstream ?? {}, {
      providerProtocol: provider.protocol,
      organizationId: provider.organizationId,
      anthropicVersion: typeof anthropicVersion === 'string' ? anthropicVersion : null,
    });
    headers['content-type'] = 'application/json';
    headers['accept'] = parsed.value.stream ? 'text/event-stream' : 'application/json';

    const origin = new URL(resolution.url).origin;
    // A non-streamed answer that never arrives was generated all the same, up to the call's output bound.
    estimate = {
      body: prepared.body,
      providerProtocol: provider.protocol,
      outputFloor: parsed.value.stream ? 0 : (parsed.value.maxOutputTokens ?? this.d.budget.defaultMaxOutputTokens),
      historyTokens,
    };
    const genAi = genAiRequestAttributes({ protocol, providerProtocol: provider.protocol, upstreamModel: resolution.model.upstreamModel, url: resolution.url });
    trace.getSpan(meter.traceContext)?.setAttributes(genAi);
    meter.upstreamSpan = startUpstreamSpan(genAi, meter.traceContext);
    const sent = await this.d.upstream.request({ tenantId: route.tenantId, url: resolution.url, method: 'POST', headers, body: payload, signal: deadline.signal });
    if (!sent.ok) {
      const failure = deadline.timedOut ? deadline.failureOf(null, origin) : sent.error;
      if (failure.kind === 'aborted') meter.errorKind = 'client_closed';
      // Left or cut while the upstream worked on it (a non-streamed answer is generated before its headers): billed.
      meter.accepted = SENT_KINDS.has(failure.kind);
      return this.fail(reply, meter, upstreamFailure(protocol, failure));
    }
    const response = sent.value;
    meter.firstByte(reply.elapsedTime);
    if (response.status >= 400) {
      // The provider refused this key: fetch it again next time, in case a rotation event was missed.
      if (response.status === 401) {
        if (credential !== null) this.d.credentials.drop(credential.secretId);
        this.d.credentialChecks.fromProxy(route.tenantId, provider.id, provider.secretId, 'rejected');
      }
      return this.fail(reply, meter, await upstreamErrorAnswer(protocol, response, provider.id));
    }
    const contentType = response.headers['content-type'];
    const streamed = isRelayedStream(contentType);
    if (!streamed && !isRelayedJson(contentType)) {
      discardBody(response);
      meter.errorKind = 'upstream_bad_response';
      const shown = typeof contentType === 'string' ? contentType.slice(0, 100) : 'none';
      return this.fail(reply, meter, clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: provider ${provider.id} answered content type ${shown}, which is not relayed`));
    }
    // From here the upstream works on the call, and bills it whether or not it reports what it used.
    meter.accepted = true;
    if (provider.credentialStatus.state === 'rejected') this.d.credentialChecks.fromProxy(route.tenantId, provider.id, provider.secretId, 'valid');
    if (parsed.value.stream && streamed) {
      return forwardStream(reply, response, meter, prepared.stripUsageChunk, origin, deadline);
    }
    const failure = await forwardWhole(reply, response, meter, origin, deadline);
    if (failure !== null) this.fail(reply, meter, failure);
  }

  /** GET /v1/models: the agent's models by the names clients call them, in the client family's list shape. */
  async models(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const version = request.headers['anthropic-version'];
    const protocol = modelsListProtocol(typeof version === 'string' ? version : undefined);
    const routed = await this.route(protocol, request);
    if ('error' in routed) return sendClientError(reply, routed.error);
    void reply.header('content-type', 'application/json').send(JSON.stringify(modelsListBody(protocol, modelListings(routed.route))));
  }

  private async route(protocol: ClientProtocol, request: FastifyRequest): Promise<Routed> {
    // Usually resolved already, before the body was read (registerEarlyAuth).
    let principal: Principal | null | undefined = earlyPrincipal(request);
    if (principal === undefined) {
      const key = presentedKey(request.headers.authorization, request.headers['x-api-key']);
      if (key === null) {
        return { error: clientError(protocol, 'invalid_api_key', 'Invalid API Key: send a Switchboard key as Authorization: Bearer <key> or x-api-key') };
      }
      try {
        principal = await this.d.keys.resolve(key);
      } catch {
        return { error: unavailable(protocol, 'keys cannot be checked right now') };
      }
    }
    if (principal === null) return { error: clientError(protocol, 'invalid_api_key', 'Invalid API Key: unknown or revoked Switchboard key') };
    const caller = selectCaller(principal, request.headers[AGENT_HEADER]);
    if (isRefusal(caller)) return { error: clientError(protocol, caller.kind, caller.message) };
    const route = this.d.routes.peek(caller.tenantId, caller.agentId);
    if (route !== undefined) return { route };
    const fetched = await this.d.routes.get(caller.tenantId, caller.agentId);
    if (fetched.ok) return { route: fetched.value };
    if (isServiceFault(fetched.error)) {
      return { error: unavailable(protocol, "the agent's route cannot be resolved right now") };
    }
    return { error: clientError(protocol, 'permission_denied', `agent ${caller.agentId} does not exist in this tenant`) };
  }

  private async admit(protocol: ClientProtocol, providerId: string, limit: number): Promise<ClientError | null> {
    try {
      const verdict = await this.d.limiter.check(providerId, limit);
      if (verdict.allowed) return null;
      return clientError(protocol, 'rate_limited', `Rate Limit Exceeded: this provider allows ${limit} requests per minute`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    } catch (error) {
      if (!(error instanceof RateLimitUnavailable)) throw error;
      this.d.logger.warn('rate limiter unavailable; refusing the call', { providerId, error: error.message });
      return unavailable(protocol, 'the rate limiter cannot be reached');
    }
  }

  private fail(reply: FastifyReply, meter: CallMeter, error: ClientError): void {
    meter.errorKind ??= error.kind;
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    if (reply.raw.destroyed) return;
    sendClientError(reply, error);
  }
}
