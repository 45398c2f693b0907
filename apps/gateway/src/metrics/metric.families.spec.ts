import { Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from './metric.families.js';

describe('metric families', () => {
  it('render counters and cumulative histogram buckets in the text format, labels escaped', async () => {
    const registry = new Registry();
    const calls = new CounterFamily<'model'>('spec_calls_total', 'calls', registry);
    const duration = new HistogramFamily<'model'>('spec_duration_seconds', 'duration', registry, [0.1, 1]);
    calls.child({ model: 'a"b' }).inc(2);
    const child = duration.child({ model: 'a' });
    for (const seconds of [0.05, 0.5, 0.5, 3]) child.observe(seconds);
    expect(await registry.metrics()).toBe(
      [
        '# HELP spec_calls_total calls',
        '# TYPE spec_calls_total counter',
        'spec_calls_total{model="a\\"b"} 2',
        '',
        '# HELP spec_duration_seconds duration',
        '# TYPE spec_duration_seconds histogram',
        'spec_duration_seconds_bucket{model="a",le="0.1"} 1',
        'spec_duration_seconds_bucket{model="a",le="1"} 3',
        'spec_duration_seconds_bucket{model="a",le="+Inf"} 4',
        'spec_duration_seconds_sum{model="a"} 4.05',
        'spec_duration_seconds_count{model="a"} 4',
        '',
      ].join('\n'),
    );
  });

  it('zero their series on a registry reset, and the children a caller holds keep counting', async () => {
    const registry = new Registry();
    const calls = new CounterFamily<'model'>('spec_reset_total', 'calls', registry);
    const child = calls.child({ model: 'a' });
    child.inc(5);
    registry.resetMetrics();
    child.inc();
    expect(await registry.metrics()).toContain('spec_reset_total{model="a"} 1');
  });
});
