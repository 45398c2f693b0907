import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { processRegistry } from './metrics.registry.js';

export interface MetricsListenerConfig {
  readonly port: number;
  readonly host: string;
}

export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsListener {
  /** The address it listens on, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Default: 127.0.0.1, so a listener is on the pod network only when a deployment says so. */
const DEFAULT_HOST = '127.0.0.1';

/**
 * `SWITCHBOARD_METRICS_PORT` (0 picks a free port) and `SWITCHBOARD_METRICS_HOST`; null when no port is set: the
 * listener is off by default. Throws naming the variable on a bad port.
 */
export function metricsListenerConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): MetricsListenerConfig | null {
  const raw = env['SWITCHBOARD_METRICS_PORT']?.trim();
  if (raw === undefined || raw === '') return null;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) throw new Error(`SWITCHBOARD_METRICS_PORT must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  const host = env['SWITCHBOARD_METRICS_HOST']?.trim() || DEFAULT_HOST;
  return { port, host };
}

const processSource: MetricsSource = {
  render: () => processRegistry.metrics(),
  get contentType() {
    return processRegistry.contentType;
  },
};

/** A plain HTTP listener answering `GET /metrics` (and nothing else) from `source` (default: the process registry). */
export async function startMetricsListener(config: MetricsListenerConfig, source: MetricsSource = processSource): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split('?', 1)[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    source.render().then(
      (body) => response.writeHead(200, { 'content-type': source.contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
