export { MockLlmUpstream } from './mock-llm.server.js';
export { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';
export type { MockCall, MockEndpoint, MockFault, MockFaultStatus, MockLlmOptions, MockProtocol, MockUsage } from './mock-llm.types.js';
export { estimateInputTokens, requestedMaximum, splitReply } from './mock-llm.usage.js';
