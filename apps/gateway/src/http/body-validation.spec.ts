import { CreateKeyBody, CreateProviderBody, CreateTenantBody, UpdateAgentBody } from '@switchboard/contracts';
import { ApiErrorException } from './api-error.exception.js';
import { parseBody } from './body-validation.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiErrorException);
    expect((error as ApiErrorException).code).toBe('validation_failed');
    return (error as ApiErrorException).message;
  }
  throw new Error('expected a validation failure');
}

describe('parseBody', () => {
  it('returns the parsed value', () => {
    expect(parseBody(CreateTenantBody, { name: '  acme ' })).toEqual({ name: 'acme' });
  });

  it.each<[string, unknown, unknown, string]>([
    ['empty name', CreateTenantBody, { name: '' }, 'name: must not be empty'],
    ['missing field', CreateTenantBody, {}, 'name: is required'],
    ['wrong type', CreateTenantBody, { name: 5 }, 'name: must be a string'],
    ['unknown field', CreateTenantBody, { name: 'a', color: 'red' }, 'color: is not a known field'],
    ['no body', CreateTenantBody, undefined, 'body: is required'],
    ['array body', CreateTenantBody, [], 'body: must be an object'],
    ['bad enum', CreateKeyBody, { name: 'k', role: 'root' }, 'role: must be one of "admin", "member", "agent"'],
    ['cross-field rule', CreateKeyBody, { name: 'k', role: 'agent' }, 'agentId: is required for role agent'],
    [
      'nested path',
      CreateProviderBody,
      { name: 'p', type: 'custom', endpoint: 'https://x', authMethod: 'custom_headers', customHeaders: { Host: 'h' } },
      'customHeaders.Host: header Host is managed by Switchboard and cannot be set',
    ],
    ['refine on the whole body', UpdateAgentBody, {}, 'body: must change at least one field'],
  ])('%s → names the field', (_case, schema, body, message) => {
    expect(messageOf(() => parseBody(schema as typeof CreateTenantBody, body))).toBe(message);
  });
});
