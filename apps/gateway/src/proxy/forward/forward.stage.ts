import { trace } from '@opentelemetry/api';
import type { AgentRoute } from '@switchboard/contracts';
import { clientError, upstreamAuthHeaders, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import { requestTargetOf, type UpstreamClient, type UpstreamErrorKind } from '@switchboard/upstream';
import { unrecordedLocalSpan, type Logger } from '@switchboard/telemetry';
import { unavailable } from '../authenticate/authenticate.stage.js';
import { isRetryable, opensCircuit, type UpstreamFault } from '../failover/failover.decision.js';
import type { CallMeter } from '../meter/call.meter.js';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import type { RouteModel } from '../route/model.resolution.js';
import type { CallDeadline } from './call.deadline.js';
import type { CredentialChecks } from './credential-checks.js';
import type { GatewayCredential, GatewayCredentialCache } from './gateway-credential.cache.js';
import { genAiRequestAttributes, startUpstreamSpan } from './genai.span.js';
import { forwardStream } from './stream.forwarder.js';
import type { CallTranslation } from './translation.js';
import { discardBody, failCall, forwardWhole, isRelayedJson, isRelayedStream, upstreamErrorAnswer, upstreamFailure } from './upstream.forwarder.js';

export interface ForwardDependencies {
  readonly credentials: GatewayCredentialCache;
  readonly upstream: UpstreamClient;
  /** Told when the upstream rejects a provider's credential (401), and when it accepts it again. */
  readonly credentialChecks: CredentialChecks;
  readonly logger: Logger;
}

/** An admitted call, ready to send: its upstream URL and serialised body. */
export interface ForwardCall {
  readonly protocol: ClientProtocol;
  readonly route: AgentRoute;
  readonly model: RouteModel;
  readonly url: string;
  readonly payload: string;
  readonly stream: boolean;
  /** The client did not ask for the usage chunk the gateway asked the upstream for: it is not relayed. */
  readonly stripUsageChunk: boolean;
  readonly anthropicVersion: string | null;
  /** The upstream speaks another dialect than the client: its answers are translated back (errors are mapped as any). */
  readonly translation: CallTranslation | null;
  /** Another target may take the call: a retryable failure before any byte reached the client is handed back unanswered. */
  readonly mayFailOver?: boolean;
}

/**
 * How a forward ended. `answered`: the client got the answer, or the call's error; `opensCircuit` when it was an upstream
 * failure of the kind a provider's circuit counts. `fail_over`: the upstream failed before any byte reached the client
 * and the call may go to another target; `failure` is what the client would be told, nothing was sent.
 */
export type ForwardOutcome =
  | { readonly kind: 'answered'; readonly opensCircuit: boolean }
  | { readonly kind: 'fail_over'; readonly opensCircuit: true; readonly fault: UpstreamFault; readonly failure: ClientError };

const ANSWERED: ForwardOutcome = { kind: 'answered', opensCircuit: false };

/** Failures after which the upstream had the request and may have worked on it (and billed it). */
const SENT_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['aborted', 'timeout', 'connection_lost']);

/**
 * Stage 4: the provider's credential (cached), its auth headers, one upstream request through the UpstreamClient,
 * and the answer relayed as it arrives (streamed without buffering). Records on the meter whether the upstream
 * accepted the call, as from then on it may bill for it.
 */
export class ForwardStage {
  constructor(private readonly d: ForwardDependencies) {}

  async forward(call: ForwardCall, exchange: ProxyExchange, meter: CallMeter, deadline: CallDeadline): Promise<ForwardOutcome> {
    const { protocol, route } = call;
    const { provider } = route;
    let credential: GatewayCredential | null = null;
    if (provider.secretId !== null) {
      credential = this.d.credentials.peek(route.tenantId, provider.secretId) ?? null;
      if (credential === null) {
        const fetched = await this.d.credentials.get(route.tenantId, provider.secretId);
        if (!fetched.ok) {
          this.d.logger.warn('provider credential unavailable', { providerId: provider.id, code: fetched.error.code });
          failCall(exchange, meter, unavailable(protocol, "the provider's credential could not be obtained"));
          return ANSWERED;
        }
        credential = fetched.value;
      }
    }
    const headers = upstreamAuthHeaders(provider.authMethod, credential?.upstream ?? {}, {
      providerProtocol: provider.protocol,
      organizationId: provider.organizationId,
      anthropicVersion: call.anthropicVersion,
    });
    headers['content-type'] = 'application/json';
    headers['accept'] = call.stream ? 'text/event-stream' : 'application/json';

    const target = requestTargetOf(call.url);
    const origin = target.ok ? target.value.origin : 'the upstream';
    // The upstream's CLIENT span, unless the proxy's span was left unrecorded: no child of it would be recorded.
    if (unrecordedLocalSpan(meter.traceContext) === undefined) {
      const genAi = genAiRequestAttributes({ protocol, providerProtocol: provider.protocol, upstreamModel: call.model.upstreamModel, url: call.url });
      trace.getSpan(meter.traceContext)?.setAttributes(genAi);
      meter.upstreamSpan = startUpstreamSpan(genAi, meter.traceContext);
    }
    const sent = await this.d.upstream.request({ tenantId: route.tenantId, url: call.url, method: 'POST', headers, body: call.payload, signal: deadline.signal });
    if (!sent.ok) {
      const failure = deadline.timedOut ? deadline.failureOf(null, origin) : sent.error;
      if (failure.kind === 'aborted') meter.errorKind = 'client_closed';
      // Left or cut while the upstream worked on it (a non-streamed answer is generated before its headers): billed.
      meter.accepted = SENT_KINDS.has(failure.kind);
      return failedBeforeReply(call, exchange, meter, { kind: 'error', error: failure.kind }, upstreamFailure(protocol, failure));
    }
    const response = sent.value;
    meter.firstByte(exchange.elapsedMs);
    if (response.status >= 400) {
      // The provider refused this key: fetch it again next time, in case a rotation event was missed.
      if (response.status === 401) {
        if (credential !== null) this.d.credentials.drop(credential.secretId);
        this.d.credentialChecks.fromProxy(route.tenantId, provider.id, provider.secretId, 'rejected');
      }
      return failedBeforeReply(call, exchange, meter, { kind: 'status', status: response.status }, await upstreamErrorAnswer(protocol, response, provider.id));
    }
    const contentType = response.headers['content-type'];
    const streamed = isRelayedStream(contentType);
    if (!streamed && !isRelayedJson(contentType)) {
      discardBody(response);
      meter.errorKind = 'upstream_bad_response';
      const shown = typeof contentType === 'string' ? contentType.slice(0, 100) : 'none';
      const refusal: ClientError = clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: provider ${provider.id} answered content type ${shown}, which is not relayed`);
      failCall(exchange, meter, refusal);
      return ANSWERED;
    }
    // From here the upstream works on the call, and bills it whether or not it reports what it used.
    meter.accepted = true;
    if (provider.credentialStatus.state === 'rejected') this.d.credentialChecks.fromProxy(route.tenantId, provider.id, provider.secretId, 'valid');
    if (call.stream && streamed) {
      await forwardStream(exchange, response, meter, call.stripUsageChunk, origin, deadline, call.translation);
      return ANSWERED;
    }
    const failure = await forwardWhole(exchange, response, meter, origin, deadline, call.translation);
    if (failure !== null) failCall(exchange, meter, failure);
    return ANSWERED;
  }
}

/** An upstream failure before any byte reached the client: handed back when another target may take it, else answered. */
function failedBeforeReply(call: ForwardCall, exchange: ProxyExchange, meter: CallMeter, fault: UpstreamFault, failure: ClientError): ForwardOutcome {
  if (call.mayFailOver === true && isRetryable(fault)) return { kind: 'fail_over', opensCircuit: true, fault, failure };
  failCall(exchange, meter, failure);
  return { kind: 'answered', opensCircuit: opensCircuit(fault) };
}
