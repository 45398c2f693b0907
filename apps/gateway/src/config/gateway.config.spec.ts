import { ConfigError, loadGatewayConfig } from './gateway.config.js';

describe('loadGatewayConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(loadGatewayConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      operatorKey: null,
      natsUrl: 'nats://127.0.0.1:4222',
      namespace: '',
      otlpEndpoint: null,
      egressAllow: '',
      spoolDir: '.switchboard/spool',
      kvReplicas: 1,
      rpmElectionWaitMs: 10_000,
      upstreamTimeoutMs: 600_000,
      requestTimeoutMs: 60_000,
      maxUploadsPerAddress: 32,
      budget: { reservationTtlMs: 1_800_000, defaultMaxOutputTokens: 4096, leases: true },
      breaker: { failures: 5, halfOpenMs: 30_000 },
      observability: { accessLog: 'info', maxModelSeries: 1_000 },
    });
  });

  it('reads every setting', () => {
    const config = loadGatewayConfig({
      SWITCHBOARD_PORT: '9090',
      SWITCHBOARD_HOST: '0.0.0.0',
      SWITCHBOARD_OPERATOR_KEY: 'sbk_0123456789abcdef',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      SWITCHBOARD_NAMESPACE: 't1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      SWITCHBOARD_EGRESS_ALLOW: '10.0.0.0/8, 127.0.0.1/32',
      SWITCHBOARD_SPOOL_DIR: '/var/spool/sb',
      SWITCHBOARD_KV_REPLICAS: '3',
      SWITCHBOARD_RPM_ELECTION_WAIT_MS: '2500',
      SWITCHBOARD_BUDGET_RESERVATION_TTL_MS: '600000',
      SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS: '1024',
      SWITCHBOARD_BUDGET_LEASES: 'off',
      SWITCHBOARD_UPSTREAM_TIMEOUT_MS: '120000',
      SWITCHBOARD_REQUEST_TIMEOUT_MS: '30000',
      SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS: '0',
      SWITCHBOARD_ACCESS_LOG: 'off',
      SWITCHBOARD_METRICS_MAX_MODEL_SERIES: '50',
      SWITCHBOARD_BREAKER_FAILURES: '3',
      SWITCHBOARD_BREAKER_HALF_OPEN_MS: '5000',
    });
    expect(config).toEqual({
      port: 9090,
      host: '0.0.0.0',
      operatorKey: 'sbk_0123456789abcdef',
      natsUrl: 'nats://a:4222,nats://b:4222',
      namespace: 't1',
      otlpEndpoint: 'http://collector:4318',
      egressAllow: '10.0.0.0/8, 127.0.0.1/32',
      spoolDir: '/var/spool/sb',
      kvReplicas: 3,
      rpmElectionWaitMs: 2_500,
      upstreamTimeoutMs: 120_000,
      requestTimeoutMs: 30_000,
      maxUploadsPerAddress: 0,
      budget: { reservationTtlMs: 600_000, defaultMaxOutputTokens: 1024, leases: false },
      breaker: { failures: 3, halfOpenMs: 5_000 },
      observability: { accessLog: 'off', maxModelSeries: 50 },
    });
  });

  it('accepts entries narrowed to a tenant or a port', () => {
    const value = 'ten_a@10.0.0.0/8:8000, 127.0.0.1/32:4010, [fd00::/8]:8000, ten_b@[::1]:443';
    expect(loadGatewayConfig({ SWITCHBOARD_EGRESS_ALLOW: value }).egressAllow).toBe(value);
  });

  it('takes the KV replicas from SWITCHBOARD_KV_REPLICAS, else SWITCHBOARD_EVENTS_REPLICAS', () => {
    expect(loadGatewayConfig({ SWITCHBOARD_EVENTS_REPLICAS: '3' }).kvReplicas).toBe(3);
    expect(loadGatewayConfig({ SWITCHBOARD_EVENTS_REPLICAS: '3', SWITCHBOARD_KV_REPLICAS: '1' }).kvReplicas).toBe(1);
    expect(() => loadGatewayConfig({ SWITCHBOARD_KV_REPLICAS: '7' })).toThrow('SWITCHBOARD_KV_REPLICAS: must be 1 to 5');
  });

  it('treats empty strings as unset', () => {
    expect(loadGatewayConfig({ SWITCHBOARD_PORT: '', SWITCHBOARD_OPERATOR_KEY: ' ' }).port).toBe(8080);
  });

  it.each([
    ['SWITCHBOARD_PORT', 'eighty', 'SWITCHBOARD_PORT: must be a number'],
    ['SWITCHBOARD_BUDGET_RESERVATION_TTL_MS', '5', 'SWITCHBOARD_BUDGET_RESERVATION_TTL_MS: must be at least 10000'],
    ['SWITCHBOARD_BUDGET_LEASES', 'maybe', 'SWITCHBOARD_BUDGET_LEASES: must be on or off'],
    ['SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS', '0', 'SWITCHBOARD_BUDGET_MAX_OUTPUT_TOKENS: must be positive'],
    ['SWITCHBOARD_RPM_ELECTION_WAIT_MS', 'long', 'SWITCHBOARD_RPM_ELECTION_WAIT_MS: must be a number'],
    ['SWITCHBOARD_RPM_ELECTION_WAIT_MS', '-5', 'SWITCHBOARD_RPM_ELECTION_WAIT_MS: must be 0 (no wait) or more'],
    ['SWITCHBOARD_RPM_ELECTION_WAIT_MS', '120000', 'SWITCHBOARD_RPM_ELECTION_WAIT_MS: must be at most 60000'],
    ['SWITCHBOARD_RPM_ELECTION_WAIT_MS', '1.5', 'SWITCHBOARD_RPM_ELECTION_WAIT_MS: must be an integer'],
    ['SWITCHBOARD_PORT', '70000', 'SWITCHBOARD_PORT: must be at most 65535'],
    ['SWITCHBOARD_BREAKER_FAILURES', '0', 'SWITCHBOARD_BREAKER_FAILURES: must be positive'],
    ['SWITCHBOARD_BREAKER_FAILURES', 'five', 'SWITCHBOARD_BREAKER_FAILURES: must be a number'],
    ['SWITCHBOARD_BREAKER_HALF_OPEN_MS', '10', 'SWITCHBOARD_BREAKER_HALF_OPEN_MS: must be at least 100'],
    ['SWITCHBOARD_BREAKER_HALF_OPEN_MS', '2.5', 'SWITCHBOARD_BREAKER_HALF_OPEN_MS: must be an integer'],
    ['SWITCHBOARD_UPSTREAM_TIMEOUT_MS', '10', 'SWITCHBOARD_UPSTREAM_TIMEOUT_MS: must be at least 1000'],
    ['SWITCHBOARD_REQUEST_TIMEOUT_MS', 'soon', 'SWITCHBOARD_REQUEST_TIMEOUT_MS: must be a number'],
    ['SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS', '-1', 'SWITCHBOARD_MAX_UPLOADS_PER_ADDRESS: must be 0 (no limit) or more'],
    ['SWITCHBOARD_OPERATOR_KEY', 'short', 'SWITCHBOARD_OPERATOR_KEY: must be at least 16 characters'],
    ['SWITCHBOARD_NAMESPACE', 'Bad-Name', 'SWITCHBOARD_NAMESPACE: must be at most 32 of a-z, 0-9, _'],
    ['NATS_URL', 'http://x y', 'NATS_URL: must be nats://host:port'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', 'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL'],
    ['SWITCHBOARD_EGRESS_ALLOW', '10.0.0.0/33', 'SWITCHBOARD_EGRESS_ALLOW: '],
    ['SWITCHBOARD_EGRESS_ALLOW', '10.0.0.0/8, ten_a@fd00::/8:8000', 'SWITCHBOARD_EGRESS_ALLOW: "ten_a@fd00::/8:8000": an IPv6 range with a port is written in brackets'],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(message);
  });

  it('names every bad variable at once', () => {
    expect(() => loadGatewayConfig({ SWITCHBOARD_PORT: '-1', SWITCHBOARD_NAMESPACE: 'X' })).toThrow(
      /SWITCHBOARD_PORT[\s\S]*SWITCHBOARD_NAMESPACE/,
    );
  });
});
