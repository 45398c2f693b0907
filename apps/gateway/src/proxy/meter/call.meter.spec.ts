import { CallMeter } from './call.meter.js';
import type { RouteModel } from '../route/model.resolution.js';

const PRICED: RouteModel = {
  id: 'mdl_1',
  name: 'm',
  upstreamModel: 'gpt-mock',
  price: { inputUsdPerMTok: 1_000_000, outputUsdPerMTok: 1_000_000, cachedInputUsdPerMTok: 1_000_000, source: 'override', catalogModel: null },
  createdAt: '2026-01-01T00:00:00.000Z',
};

function meter(protocol: 'openai_chat' | 'openai_responses' | 'anthropic_messages', cap: number | null): CallMeter {
  const m = new CallMeter({ tenantId: 't', agentId: 'a', providerId: 'p', model: 'm', protocol, stream: true });
  m.model = PRICED;
  m.serverTools = { usdPerCall: 0.5, cap };
  return m;
}

describe('CallMeter: tools the provider bills per call', () => {
  it('charges the calls a complete report names, and none when it names none', () => {
    const reported = meter('openai_responses', 4);
    reported.accepted = true;
    reported.usageComplete = true;
    reported.usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, serverToolCalls: 2 };
    expect(reported.complete(200, 1, true, true)).toMatchObject({ serverToolCalls: 2, costUsd: 2 + 2 * 0.5 });

    const none = meter('anthropic_messages', 4);
    none.accepted = true;
    none.usageComplete = true;
    none.usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
    expect(none.complete(200, 1, true, true)).toMatchObject({ serverToolCalls: 0, costUsd: 2 });
  });

  it('charges the cap when the report is missing or cut short, and for chat completions, which never report them', () => {
    const left = meter('openai_responses', 4);
    left.accepted = true;
    left.usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
    expect(left.complete(200, 1, false, true)).toMatchObject({ serverToolCalls: 4, costUsd: 2 + 4 * 0.5 });

    const chat = meter('openai_chat', 1);
    chat.accepted = true;
    chat.usageComplete = true;
    chat.usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
    expect(chat.complete(200, 1, true, true)).toMatchObject({ serverToolCalls: 1, costUsd: 2.5 });
  });

  it("reads the report in the upstream's dialect: an Anthropic client translated to chat completions gets the cap", () => {
    const translated = meter('anthropic_messages', 3);
    translated.upstreamDialect = 'openai_chat';
    translated.accepted = true;
    translated.usageComplete = true;
    translated.usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
    expect(translated.complete(200, 1, true, true)).toMatchObject({ protocol: 'anthropic_messages', serverToolCalls: 3, costUsd: 2 + 3 * 0.5 });
  });

  it('charges nothing for tools of a call the upstream refused', () => {
    const refused = meter('openai_responses', 4);
    expect(refused.complete(429, 1, true, true)).toMatchObject({ serverToolCalls: 0, costUsd: 0 });
  });
});
