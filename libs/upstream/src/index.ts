export { classifyAddress, type AddressCategory, type AddressClass, type Ipv4Embedding } from './address.classifier.js';
export { cidrContains, formatCidr, parseCidr, type CidrRange } from './cidr.range.js';
export { formatAllowEntry, parseAllowEntry, type AllowEntry } from './egress-allow.entry.js';
export {
  EGRESS_ALLOW_ENV,
  EgressPolicy,
  describeRefusal,
  type AddressRefusal,
  type AddressVerdict,
  type Admitted,
  type EgressDestination,
  type EgressRefusal,
  type EgressScope,
} from './egress.policy.js';
export { checkEndpoint, parseTarget, requestTargetOf, type CheckedEndpoint, type ParsedTarget, type RequestTarget } from './endpoint.check.js';
export { resolveHost, systemResolver, type ResolvedAddress, type ResolutionFailure, type Resolver } from './host.resolver.js';
export { formatIp, parseIp, type IpAddress } from './ip-address.parser.js';
export { pinnedConnector, type PinnedConnectorOptions, type SocketConnector, type SocketTarget } from './pinned.connector.js';
export {
  DEFAULT_JSON_TIMEOUTS,
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_TIMEOUTS,
  UpstreamClient,
  type JsonResponse,
  type RequestTimeouts,
  type ResponseHeaders,
  type UpstreamClientOptions,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamTimeouts,
} from './upstream.client.js';
export { EgressRefusedError, HostResolutionError, toUpstreamError, upstreamError, type UpstreamError, type UpstreamErrorKind } from './upstream.error.js';
