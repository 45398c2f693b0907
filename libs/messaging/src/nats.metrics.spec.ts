import type { StreamInfo } from '@nats-io/jetstream';
import { currentReplicas } from './nats.metrics.js';

type Info = Pick<StreamInfo, 'config' | 'cluster'>;
const info = (numReplicas: number, cluster?: StreamInfo['cluster']): Info => ({ config: { num_replicas: numReplicas } as StreamInfo['config'], ...(cluster ? { cluster } : {}) });
const peer = (name: string, current: boolean, offline = false) => ({ name, current, offline, active: 0, lag: 0 });

describe('currentReplicas', () => {
  it('counts the leader and the replicas caught up with it', () => {
    expect(currentReplicas(info(3, { leader: 'n1', replicas: [peer('n2', true), peer('n3', true)] }))).toBe(3);
  });

  it('leaves out a replica that lags or is offline', () => {
    expect(currentReplicas(info(3, { leader: 'n1', replicas: [peer('n2', false), peer('n3', true, true)] }))).toBe(1);
  });

  it('is 0 while the stream has no leader (an election)', () => {
    expect(currentReplicas(info(3, { replicas: [peer('n2', true), peer('n3', true)] }))).toBe(0);
  });

  it('is the configured copy on a server without clustering', () => {
    expect(currentReplicas(info(1))).toBe(1);
    expect(currentReplicas(info(1, { leader: 'solo' }))).toBe(1);
  });
});
