import { busNames } from './subjects.js';
import { CreateProviderBody } from './providers.js';

describe('busNames', () => {
  it('uses the contract names without a namespace', () => {
    const names = busNames();
    expect(names.event('ten_1', 'credential.issued')).toBe('events.ten_1.credential.issued');
    expect(names.eventsStream).toBe('EVENTS');
    expect(names.eventsSubjects).toBe('events.>');
    expect(names.command('providers.v1.health')).toBe('sb.providers.v1.health');
  });

  it('isolates every name under a namespace', () => {
    const names = busNames('t42');
    expect(names.event('ten_1', 'usage.recorded')).toBe('t42.events.ten_1.usage.recorded');
    expect(names.eventFilter('usage.recorded')).toBe('t42.events.*.usage.recorded');
    expect(names.eventsStream).toBe('EVENTS_T42');
    expect(names.durable('usage')).toBe('t42_usage');
    expect(names.command('x')).toBe('t42.sb.x');
  });

  it('refuses a namespace that would break subject tokens', () => {
    expect(() => busNames('a.b')).toThrow(/invalid NATS namespace/);
  });
});

describe('CreateProviderBody', () => {
  it('refuses headers Switchboard owns', () => {
    const r = CreateProviderBody.safeParse({
      name: 'p',
      type: 'custom',
      endpoint: 'http://10.0.0.1/v1',
      authMethod: 'custom_headers',
      customHeaders: { Host: 'evil' },
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('header Host is managed by Switchboard');
  });

  it('requires an endpoint for custom providers and refuses organizationId outside openai', () => {
    expect(CreateProviderBody.safeParse({ name: 'p', type: 'custom' }).success).toBe(false);
    expect(CreateProviderBody.safeParse({ name: 'p', type: 'anthropic', organizationId: 'org' }).success).toBe(false);
    expect(CreateProviderBody.safeParse({ name: 'p', type: 'openai', organizationId: 'org' }).success).toBe(true);
  });
});
