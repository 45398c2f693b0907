import { agentEnvironment } from './agent-environment.mapper.js';

const expiresAt = '2030-01-01T00:00:00.000Z';
const openai = { protocol: 'openai', organizationId: null } as const;
const anthropic = { protocol: 'anthropic_messages' } as const;

describe('agentEnvironment', () => {
  it('gives an OpenAI-protocol agent the variables the OpenAI SDKs read', () => {
    const env = agentEnvironment({
      agentId: 'agt_1',
      delivery: 'direct',
      provider: { ...openai, organizationId: 'org_1' },
      credential: { baseUrl: 'http://10.0.0.5:8000/v1/', apiKey: 'sk-1', expiresAt },
    });
    expect(env).toEqual({
      OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1',
      OPENAI_API_KEY: 'sk-1',
      OPENAI_ORG_ID: 'org_1',
      SWITCHBOARD_AGENT_ID: 'agt_1',
    });
  });

  it('points a proxy agent at the gateway’s /v1 routes', () => {
    const env = agentEnvironment({ agentId: 'agt_1', delivery: 'proxy', provider: openai, credential: { baseUrl: 'http://gw:8080', apiKey: 'sbk_x', expiresAt } });
    expect(env).toEqual({ OPENAI_BASE_URL: 'http://gw:8080/v1', OPENAI_API_KEY: 'sbk_x', SWITCHBOARD_AGENT_ID: 'agt_1' });
  });

  it('gives an Anthropic-protocol agent a base URL without /v1, which its SDKs add', () => {
    for (const baseUrl of ['https://api.anthropic.com/v1', 'https://api.anthropic.com']) {
      expect(agentEnvironment({ agentId: 'agt_2', delivery: 'direct', provider: anthropic, credential: { baseUrl, apiKey: 'sk-ant', expiresAt } })).toEqual({
        ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
        ANTHROPIC_API_KEY: 'sk-ant',
        SWITCHBOARD_AGENT_ID: 'agt_2',
      });
    }
  });

  it('passes header credentials as one JSON variable, with no API key variable', () => {
    const headers = { 'x-token': 'abc', 'x-region': 'eu' };
    const env = agentEnvironment({ agentId: 'agt_3', delivery: 'direct', provider: openai, credential: { baseUrl: 'https://llm.internal/v1', headers, expiresAt } });
    expect(env).toEqual({
      OPENAI_BASE_URL: 'https://llm.internal/v1',
      SWITCHBOARD_UPSTREAM_HEADERS: JSON.stringify(headers),
      SWITCHBOARD_AGENT_ID: 'agt_3',
    });
  });
});
