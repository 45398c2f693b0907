import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { ClientProtocol, ProviderProtocol } from '@switchboard/llm-protocols';
import { tracer } from '@switchboard/telemetry';

/**
 * Attribute names and values of the OpenTelemetry GenAI semantic conventions (gen-ai-spans, openai, anthropic;
 * development status): the names are the specification's, not a library's constants, since
 * @opentelemetry/semantic-conventions keeps them only in its incubating entry point.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  openAiApiType: 'openai.api.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  /** Switchboard's own: `upstream` when the figures are the upstream's report, `estimated` when counted by the gateway. */
  usageSource: 'switchboard.usage_source',
} as const;

/** Every proxied route is a chat: chat completions, Responses and Messages all take a conversation and answer it. */
const OPERATION = 'chat';

const OPENAI_API_TYPE: Readonly<Record<ClientProtocol, string | null>> = {
  openai_chat: 'chat_completions',
  openai_responses: 'responses',
  anthropic_messages: null,
};

export interface UpstreamCall {
  readonly protocol: ClientProtocol;
  readonly providerProtocol: ProviderProtocol;
  /** The model as sent to the upstream. */
  readonly upstreamModel: string;
  readonly url: string;
}

/** The provider names the conventions define; an OpenAI-compatible endpoint (vLLM, …) reports in OpenAI's format. */
export const providerNameOf = (protocol: ProviderProtocol): string => (protocol === 'anthropic_messages' ? 'anthropic' : 'openai');

/** What is known of an upstream call before it is made: nothing from the body but the model's name. */
export function genAiRequestAttributes(call: UpstreamCall): Attributes {
  const url = new URL(call.url);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const provider = providerNameOf(call.providerProtocol);
  const apiType = provider === 'openai' ? OPENAI_API_TYPE[call.protocol] : null;
  return {
    [GEN_AI.operationName]: OPERATION,
    [GEN_AI.providerName]: provider,
    [GEN_AI.requestModel]: call.upstreamModel,
    [GEN_AI.serverAddress]: url.hostname.replace(/^\[|\]$/g, ''),
    [GEN_AI.serverPort]: port,
    ...(apiType === null ? {} : { [GEN_AI.openAiApiType]: apiType }),
  };
}

export interface CallOutcome {
  readonly responseModel: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly usageSource: 'upstream' | 'estimated';
  /** Why the call failed (the usage event's errorKind), if it did. */
  readonly errorKind?: string | undefined;
}

/** What the call's usage event says, as span attributes: the same token counts, never any content. */
export function genAiOutcomeAttributes(outcome: CallOutcome): Attributes {
  return {
    ...(outcome.responseModel === null ? {} : { [GEN_AI.responseModel]: outcome.responseModel }),
    [GEN_AI.inputTokens]: outcome.inputTokens,
    [GEN_AI.outputTokens]: outcome.outputTokens,
    [GEN_AI.usageSource]: outcome.usageSource,
    ...(outcome.errorKind === undefined ? {} : { [GEN_AI.errorType]: outcome.errorKind }),
  };
}

/** The CLIENT span of the upstream call, a child of `parent` (the proxy's SERVER span), named as the conventions say. */
export function startUpstreamSpan(attributes: Attributes, parent: Context): Span {
  const model = attributes[GEN_AI.requestModel];
  return tracer.startSpan(`${OPERATION} ${String(model)}`, { kind: SpanKind.CLIENT, attributes }, parent);
}

/** Ends the upstream span with the outcome its usage event reports. */
export function endUpstreamSpan(span: Span, outcome: CallOutcome): void {
  span.setAttributes(genAiOutcomeAttributes(outcome));
  if (outcome.errorKind !== undefined && outcome.errorKind !== 'client_closed') span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Runs fn with `span` active under `parent`, so whatever fn records (the usage event's traceparent) names it. */
export function withinSpan<T>(parent: Context, span: Span | null, fn: () => T): T {
  return context.with(span === null ? parent : trace.setSpan(parent, span), fn);
}

/**
 * The proxy's SERVER span (the active span of `parent`) gets the upstream's own figures as soon as the answer is
 * relayed: it ends with the response, before an estimate could be counted (only the upstream span carries those).
 */
export function annotateProxySpan(parent: Context, responseModel: string | null, usage: { readonly inputTokens: number; readonly outputTokens: number } | null): void {
  const span = trace.getSpan(parent);
  if (span === undefined) return;
  if (responseModel !== null) span.setAttribute(GEN_AI.responseModel, responseModel);
  if (usage !== null) span.setAttributes({ [GEN_AI.inputTokens]: usage.inputTokens, [GEN_AI.outputTokens]: usage.outputTokens, [GEN_AI.usageSource]: 'upstream' });
}
