import { Transport } from '@nestjs/microservices';
import { busNamesFromEnv, natsConfigFromEnv, natsMicroserviceOptions } from './nats.config.js';

describe('NATS configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads NATS_URL and SWITCHBOARD_NAMESPACE with local defaults', () => {
    delete process.env['NATS_URL'];
    delete process.env['SWITCHBOARD_NAMESPACE'];
    expect(natsConfigFromEnv('gateway')).toEqual({ url: 'nats://127.0.0.1:4222', namespace: '', name: 'gateway' });
    expect(busNamesFromEnv().command('x.v1.y')).toBe('sb.x.v1.y');

    process.env['NATS_URL'] = 'nats://n1:4222,nats://n2:4222';
    process.env['SWITCHBOARD_NAMESPACE'] = 'tabc';
    expect(natsConfigFromEnv('usage-service')).toEqual({ url: 'nats://n1:4222,nats://n2:4222', namespace: 'tabc', name: 'usage-service' });
    expect(busNamesFromEnv().command('x.v1.y')).toBe('tabc.sb.x.v1.y');
  });

  it('builds a NATS transport with a queue group and every cluster seed', () => {
    const options = natsMicroserviceOptions({ url: 'nats://n1:4222, nats://n2:4222', namespace: '', name: 'usage-service' }, 'usage');
    expect(options).toEqual({
      transport: Transport.NATS,
      options: expect.objectContaining({ servers: ['nats://n1:4222', 'nats://n2:4222'], queue: 'usage', name: 'usage-service' }),
    });
  });
});
