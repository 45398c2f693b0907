import { upstreamAuthHeaders } from './upstream-auth.headers.js';

describe('upstreamAuthHeaders', () => {
  it('sends a bearer key, with the OpenAI organization when one is set', () => {
    expect(upstreamAuthHeaders('bearer', { apiKey: 'sk-1' }, { providerProtocol: 'openai', organizationId: 'org_9' })).toEqual({
      authorization: 'Bearer sk-1',
      'openai-organization': 'org_9',
    });
    expect(upstreamAuthHeaders('bearer', { apiKey: 'sk-1' }, { organizationId: null })).toEqual({ authorization: 'Bearer sk-1' });
  });

  it('sends x-api-key with anthropic-version, defaulting to 2023-06-01', () => {
    expect(upstreamAuthHeaders('x_api_key', { apiKey: 'sk-ant' }, { providerProtocol: 'anthropic_messages' })).toEqual({
      'x-api-key': 'sk-ant',
      'anthropic-version': '2023-06-01',
    });
  });

  it("passes the client's anthropic-version on, but never arbitrary text", () => {
    const pass = upstreamAuthHeaders('x_api_key', { apiKey: 'k' }, { anthropicVersion: '2026-10-21' });
    expect(pass['anthropic-version']).toBe('2026-10-21');
    const refused = upstreamAuthHeaders('x_api_key', { apiKey: 'k' }, { anthropicVersion: '2023-06-01\r\nx-evil: 1' });
    expect(refused['anthropic-version']).toBe('2023-06-01');
  });

  it('adds anthropic-version to a bearer-authenticated Anthropic endpoint, and no OpenAI organization', () => {
    expect(upstreamAuthHeaders('bearer', { apiKey: 'k' }, { providerProtocol: 'anthropic_messages', organizationId: 'org' })).toEqual({
      authorization: 'Bearer k',
      'anthropic-version': '2023-06-01',
    });
  });

  it('sends custom headers lower-cased, without the ones a tenant may never set', () => {
    const headers = upstreamAuthHeaders('custom_headers', {
      headers: { 'X-Gateway-Key': 'g1', 'api-key': 'azure', Host: 'evil.example', 'Content-Length': '1' },
    });
    expect(headers).toEqual({ 'x-gateway-key': 'g1', 'api-key': 'azure' });
  });

  it('lets a custom anthropic-version header win over the default', () => {
    const headers = upstreamAuthHeaders('custom_headers', { headers: { 'Anthropic-Version': '2024-01-01', 'x-key': 'k' } }, {
      providerProtocol: 'anthropic_messages',
    });
    expect(headers).toEqual({ 'anthropic-version': '2024-01-01', 'x-key': 'k' });
  });

  it('throws when the credential lacks the key its auth method needs', () => {
    expect(() => upstreamAuthHeaders('bearer', {})).toThrow('auth method bearer needs an apiKey');
    expect(() => upstreamAuthHeaders('x_api_key', { apiKey: '' })).toThrow('auth method x_api_key needs an apiKey');
  });
});
