// The image's health check (Docker HEALTHCHECK, Kubernetes exec probes), in Node because slim images have no curl.
//   gateway:  GET /healthz (liveness) or, with --ready, /readyz (NATS, every service and PostgreSQL answer)
//   others:   they serve no HTTP and their health operations take the gateway's signed token only, so the check
//             is that the process holds an established connection to a NATS server (NATS_URL's ports, default
//             4222), read from /proc/net/tcp{,6}
// Exit 0 healthy, 1 not. Prints one line; never a secret (NATS_URL holds none: credentials in it are refused).
import { readFileSync } from 'node:fs';

const service = process.env.SERVICE ?? 'gateway';
const ready = process.argv.includes('--ready');

function done(ok, message) {
  console.log(`${service}: ${message}`);
  process.exit(ok ? 0 : 1);
}

async function gateway() {
  const port = process.env.SWITCHBOARD_PORT || '8080';
  const configured = process.env.SWITCHBOARD_HOST || '127.0.0.1';
  const host = configured === '0.0.0.0' || configured === '::' ? '127.0.0.1' : configured;
  const path = ready ? '/readyz' : '/healthz';
  try {
    const answer = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`, { signal: AbortSignal.timeout(4_000) });
    done(answer.ok, `${path} answered ${answer.status}`);
  } catch (error) {
    done(false, `${path} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function natsPorts() {
  const servers = (process.env.NATS_URL || 'nats://127.0.0.1:4222').split(',');
  return new Set(
    servers.map((server) => {
      const port = /:(\d{1,5})\/?$/.exec(server.trim().replace(/^[a-z]+:\/\//, ''));
      return port ? Number(port[1]) : 4222;
    }),
  );
}

function establishedTo(ports) {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields[2] = remote address:port (hex), fields[3] = state (01 = ESTABLISHED)
      if (fields.length < 4 || fields[3] !== '01') continue;
      const remotePort = parseInt(fields[2].split(':').pop() ?? '', 16);
      if (ports.has(remotePort)) return remotePort;
    }
  }
  return null;
}

if (service === 'gateway') {
  await gateway();
} else {
  const port = establishedTo(natsPorts());
  done(port !== null, port !== null ? `connected to NATS (port ${port})` : 'no established connection to NATS');
}
