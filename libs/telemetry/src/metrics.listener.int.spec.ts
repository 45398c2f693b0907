import { processCounter } from './metrics.registry.js';
import { metricsListenerConfigFromEnv, startMetricsListener } from './metrics.listener.js';

describe('metrics listener', () => {
  it('is off unless SWITCHBOARD_METRICS_PORT is set, on 127.0.0.1 unless told otherwise', () => {
    expect(metricsListenerConfigFromEnv({})).toBeNull();
    expect(metricsListenerConfigFromEnv({ SWITCHBOARD_METRICS_PORT: ' ' })).toBeNull();
    expect(metricsListenerConfigFromEnv({ SWITCHBOARD_METRICS_PORT: '9464' })).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(metricsListenerConfigFromEnv({ SWITCHBOARD_METRICS_PORT: '0', SWITCHBOARD_METRICS_HOST: '0.0.0.0' })).toEqual({ port: 0, host: '0.0.0.0' });
    for (const bad of ['http', '-1', '70000', '1.5']) {
      expect(() => metricsListenerConfigFromEnv({ SWITCHBOARD_METRICS_PORT: bad })).toThrow(/SWITCHBOARD_METRICS_PORT must be a port number/);
    }
  });

  it('serves the process registry on GET /metrics and nothing else', async () => {
    const counter = processCounter({ name: 'switchboard_spec_listener_total', help: 'spec', labelNames: ['kind'] });
    expect(processCounter({ name: 'switchboard_spec_listener_total', help: 'spec', labelNames: ['kind'] })).toBe(counter);
    counter.inc({ kind: 'a' }, 3);
    const listener = await startMetricsListener({ port: 0, host: '127.0.0.1' });
    try {
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(listener.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toContain('switchboard_spec_listener_total{kind="a"} 3');
      expect((await fetch(listener.url.replace('/metrics', '/other'))).status).toBe(404);
      expect((await fetch(listener.url, { method: 'POST' })).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});
