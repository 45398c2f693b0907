import { busHeaders, busPayload, checkpointOf, toStoredEvent, type EventRow } from './event-row.mapper.js';

const at = new Date('2030-01-02T03:04:05.678Z');

describe('busPayload', () => {
  it('carries the envelope and the event data', () => {
    expect(JSON.parse(busPayload({ eventId: 'evt_1', data: { providerId: 'prv_1' } }, 'provider.deleted', 'ten_1', at))).toEqual({
      providerId: 'prv_1',
      eventId: 'evt_1',
      type: 'provider.deleted',
      tenantId: 'ten_1',
      at: '2030-01-02T03:04:05.678Z',
    });
  });

  it('refuses event data that would shadow the envelope', () => {
    expect(() =>
      busPayload({ eventId: 'evt_1', data: { type: 'openai', providerId: 'prv_1' } }, 'provider.registered', 'ten_1', at),
    ).toThrow('event data must not use the envelope fields type');
  });

  it('accepts a field that repeats its envelope value', () => {
    const payload = JSON.parse(busPayload({ eventId: 'evt_1', data: { tenantId: 'ten_1', name: 'acme' } }, 'tenant.created', 'ten_1', at));
    expect(payload).toEqual({ tenantId: 'ten_1', name: 'acme', eventId: 'evt_1', type: 'tenant.created', at: at.toISOString() });
  });
});

describe('busHeaders', () => {
  it('keeps only the trace context', () => {
    expect(busHeaders({ traceparent: 'tp', tracestate: 'ts', actor: { keyId: 'key_1', role: 'admin' }, correlationId: 'c' })).toEqual({
      traceparent: 'tp',
      tracestate: 'ts',
    });
    expect(busHeaders({})).toEqual({});
  });
});

describe('toStoredEvent / checkpointOf', () => {
  const row: EventRow = {
    position: '12',
    transaction_id: '900',
    event_id: 'evt_1',
    stream_id: 's',
    version: 3,
    type: 'Incremented',
    tenant_id: 'ten_1',
    data: { by: 1 },
    metadata: null,
    recorded_at: at,
  };

  it('maps a row, defaulting missing metadata to {}', () => {
    expect(toStoredEvent(row)).toEqual({
      position: '12',
      eventId: 'evt_1',
      streamId: 's',
      version: 3,
      type: 'Incremented',
      tenantId: 'ten_1',
      data: { by: 1 },
      metadata: {},
      recordedAt: at,
    });
  });

  it('takes the checkpoint from the transaction id and position', () => {
    expect(checkpointOf(row)).toEqual({ transactionId: '900', position: '12' });
  });
});
