export { OrchestratorClient, type OrchestratorClientOptions } from './orchestrator.client.js';
export {
  CredentialEventOpener,
  type DeniedCredential,
  type IssuedCredential,
  type IssuerKey,
  type OpenerOptions,
  type Refusal,
  type RefusalReason,
} from './credential-event.opener.js';
export { agentEnvironment, type EnvironmentInput } from './agent-environment.mapper.js';
