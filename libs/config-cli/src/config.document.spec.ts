import { parseTenantConfig } from './config.document.js';
import type { ConfigError } from './config.errors.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseTenantConfig(text, 'tenant.yaml');
  } catch (error) {
    expect((error as ConfigError).code).toBe('config_invalid');
    return (error as ConfigError).details;
  }
  throw new Error('the file was accepted');
}

const VALID = `# yaml-language-server: $schema=../schema/switchboard.schema.json
version: 1
providers:
  - name: main
    type: openai
    auth:
      apiKey: \${env:OPENAI_KEY}
    defaultModel: gpt-4o-mini
    monthlyBudgetUsd: 100
    models:
      - name: fast
        upstreamModel: gpt-4o-mini
        price: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }
  - name: internal
    type: custom
    endpoint: https://llm.internal.example/v1
    auth:
      headers:
        X-Api-Key: \${file:keys/internal.txt}
agents:
  - name: bot
    provider: main
    monthlyBudgetUsd: 10
settings:
  unpricedModels: refuse
alerts:
  errorRatePct: 10
webhooks:
  - url: https://hooks.example.com/switchboard
    events: [alert.raised]
`;

describe('parseTenantConfig', () => {
  it('reads a valid file with the API defaults filled in', () => {
    const config = parseTenantConfig(VALID, 'tenant.yaml');
    const [main, internal] = config.providers ?? [];
    expect(main).toMatchObject({ endpoint: 'https://api.openai.com/v1', protocol: 'openai', authMethod: 'bearer', rateLimitRpm: null, defaultModel: 'gpt-4o-mini' });
    // The default model is a model of the provider as far as the API is concerned.
    expect(main?.models.map((m) => [m.name, m.upstreamModel, m.implicit])).toEqual([
      ['fast', 'gpt-4o-mini', false],
      ['gpt-4o-mini', 'gpt-4o-mini', true],
    ]);
    expect(internal).toMatchObject({ authMethod: 'custom_headers', credential: { kind: 'headers', headers: { 'X-Api-Key': { source: 'file', path: 'keys/internal.txt' } } } });
    expect(config.agents).toEqual([{ name: 'bot', provider: 'main', model: null, delivery: 'proxy', monthlyBudgetUsd: 10, fallbacks: [] }]);
    expect(config.settings).toEqual({ unpricedModels: 'refuse', serverHistoryTokens: null, serverToolCallUsd: null });
    expect(config.alerts).toMatchObject({ errorRatePct: 10, minRequests: 20 });
  });

  it('leaves out what the file does not have', () => {
    expect(parseTenantConfig('version: 1\n', 'tenant.yaml')).toEqual({ providers: undefined, agents: undefined, settings: undefined, alerts: undefined, webhooks: undefined });
  });

  it('names the line and column of a bad field', () => {
    const bad = VALID.replace('monthlyBudgetUsd: 100', 'monthlyBudgetUsd: lots').replace('errorRatePct: 10', 'errorRatePct: 10\n  colour: red');
    expect(problemsOf(bad)).toEqual([
      'tenant.yaml:9:23: providers[0].monthlyBudgetUsd must be number or null',
      'tenant.yaml:28:3: alerts.colour has an unknown field "colour"',
    ]);
  });

  it('refuses a secret written as a value, without repeating it', () => {
    const problems = problemsOf(VALID.replace('${env:OPENAI_KEY}', 'sk-live-123456789'));
    expect(problems).toEqual(['tenant.yaml:7:15: providers[0].auth.apiKey must be a reference like ${env:NAME} or ${file:path}, never a value']);
  });

  it('refuses names used twice, agents of undeclared providers and headers Switchboard owns', () => {
    const text = `version: 1
providers:
  - { name: a, type: openai }
  - { name: A, type: anthropic }
  - name: c
    type: custom
    endpoint: http://h/v1
    auth:
      headers:
        Host: \${env:H}
agents:
  - { name: x, provider: nowhere }
webhooks:
  - { url: https://h/1, events: [alert.raised] }
  - { url: https://h/1, events: [budget.exhausted] }
`;
    expect(problemsOf(text)).toEqual([
      'tenant.yaml:4:13: providers[1].name repeats a provider name (names are compared ignoring case)',
      'tenant.yaml:10:15: providers[2].auth.headers.Host is managed by Switchboard and cannot be set',
      'tenant.yaml:12:26: agents[0].provider names provider "nowhere", which this file does not declare',
      'tenant.yaml:15:12: webhooks[1].url repeats a webhook URL',
    ]);
  });

  it('reads fallbacks in their order, naming models by name, upstream name or the default model', () => {
    const text = VALID.replace(
      '    monthlyBudgetUsd: 10\n',
      '    monthlyBudgetUsd: 10\n    model: fast\n    fallbacks:\n      - { provider: MAIN, model: gpt-4o-mini }\n      - { provider: main, model: fast-upstream }\n',
    ).replace('        upstreamModel: gpt-4o-mini\n', '        upstreamModel: fast-upstream\n');
    expect(parseTenantConfig(text, 'tenant.yaml').agents?.[0]?.fallbacks).toEqual([
      { provider: 'MAIN', model: 'gpt-4o-mini' },
      { provider: 'main', model: 'fast-upstream' },
    ]);
  });

  it('refuses fallbacks the API would refuse, each where the file says it', () => {
    const text = `version: 1
providers:
  - name: a
    type: openai
    models: [{ name: m1 }, { name: m2 }]
agents:
  - name: x
    provider: a
    model: m1
    fallbacks:
      - { provider: b, model: m1 }
      - { provider: a, model: m3 }
      - { provider: A, model: m1 }
      - { provider: a, model: m2 }
      - { provider: a, model: m2 }
`;
    expect(problemsOf(text)).toEqual([
      'tenant.yaml:11:21: agents[0].fallbacks[0].provider names provider "b", which this file does not declare',
      'tenant.yaml:12:31: agents[0].fallbacks[1].model names model "m3", which this file does not declare for provider "a" (list it in that provider\'s models)',
      "tenant.yaml:13:9: agents[0].fallbacks[2] is the agent's own provider and model; a fallback must be another target",
      'tenant.yaml:15:9: agents[0].fallbacks[4] repeats an earlier fallback',
    ]);
    const six = text.replace('      - { provider: a, model: m2 }\n', '      - { provider: a, model: m2 }\n'.repeat(4));
    expect(problemsOf(six)).toEqual(['tenant.yaml:11:7: agents[0].fallbacks must NOT have more than 5 items']);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('version: 1\nproviders: [\n')[0]).toMatch(/^tenant\.yaml:\d+:\d+: /);
    expect(problemsOf('version: 1\nversion: 1\n')[0]).toMatch(/^tenant\.yaml:2:1: /);
  });
});
