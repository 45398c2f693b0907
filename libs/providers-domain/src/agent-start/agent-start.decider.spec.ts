import { specificationFor } from '@switchboard/domain-kernel/testing';
import type { StartProviderSnapshot } from '@switchboard/contracts';
import type { AgentStartRequested } from '../agent/agent.decider.js';
import { agentStartDecider, type RequestAgentStart } from './agent-start.decider.js';

const spec = specificationFor(agentStartDecider);
const now = new Date('2030-01-01T00:00:00Z');

const provider: StartProviderSnapshot = {
  id: 'prv_1',
  type: 'openai',
  protocol: 'openai',
  endpoint: 'https://api.openai.com/v1',
  authMethod: 'bearer',
  organizationId: null,
  model: 'gpt-4o',
  secretId: 'sec_1',
};
const agent = { agentId: 'agt_1', providerId: 'prv_1', delivery: 'proxy' } as const;

const requestStart = (data: Partial<RequestAgentStart['data']> = {}): RequestAgentStart => ({
  type: 'RequestAgentStart',
  data: { agentId: 'agt_1', startId: 'stt_1', recipientId: 'rcp_1', agent, provider, now, ...data },
});
const requested = (data: Partial<AgentStartRequested['data']> = {}): AgentStartRequested => ({
  type: 'AgentStartRequested',
  data: { agentId: 'agt_1', startId: 'stt_1', recipientId: 'rcp_1', delivery: 'proxy', provider, ...data },
});

describe('agent start decider', () => {
  it('records the start with the agent delivery and the provider snapshot', () => {
    spec.given([]).when(requestStart()).then([requested()]);
  });

  it('records the delivery the agent has when it starts', () => {
    spec
      .given([])
      .when(requestStart({ agent: { ...agent, delivery: 'direct' } }))
      .then([requested({ delivery: 'direct' })]);
  });

  it('records a start whose provider is gone, so credentials-service can deny it', () => {
    spec.given([]).when(requestStart({ provider: null })).then([requested({ provider: null })]);
  });

  it('refuses a snapshot of a provider the agent does not use', () => {
    spec
      .given([])
      .when(requestStart({ provider: { ...provider, id: 'prv_2' } }))
      .thenFails('invalid_state');
  });

  it('reports an agent that is gone (deleted, or never the tenant’s) as not found', () => {
    spec.given([]).when(requestStart({ agent: null })).thenFails('agent_not_found');
    spec
      .given([])
      .when(requestStart({ agent: { ...agent, agentId: 'agt_2' } }))
      .thenFails('agent_not_found');
  });

  it('records a start only once', () => {
    spec.given([requested()]).when(requestStart()).thenFails('invalid_state');
  });
});
