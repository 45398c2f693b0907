import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transport } from '@nestjs/microservices';
import { nkeys } from '@nats-io/transport-node';
import { NatsConfigError } from './nats.auth.js';
import { busNamesFromEnv, natsConfigFromEnv, natsConnectionOptions, natsMicroserviceOptions } from './nats.config.js';

const PASSWORD = 'pw-9f3c1e7a-secret';

describe('NATS configuration', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-nats-config-'));
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: string, mode = 0o600): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  }

  /** The error natsConfigFromEnv throws for env, checked to name `variable` and to hold no secret. */
  function failure(env: Record<string, string>, variable: string): NatsConfigError {
    let thrown: unknown;
    try {
      natsConfigFromEnv('spec', env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NatsConfigError);
    const error = thrown as NatsConfigError;
    expect(error.code).toBe('nats_config_invalid');
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain(PASSWORD);
    return error;
  }

  it('reads NATS_URL and SWITCHBOARD_NAMESPACE with local defaults, anonymous and without TLS when nothing else is set', () => {
    delete process.env['NATS_URL'];
    delete process.env['SWITCHBOARD_NAMESPACE'];
    expect(natsConfigFromEnv('gateway', {})).toStrictEqual({ url: 'nats://127.0.0.1:4222', namespace: '', name: 'gateway' });
    expect(busNamesFromEnv().command('x.v1.y')).toBe('sb.x.v1.y');

    process.env['SWITCHBOARD_NAMESPACE'] = 'tabc';
    const env = { NATS_URL: 'nats://n1:4222,nats://n2:4222', SWITCHBOARD_NAMESPACE: 'tabc' };
    expect(natsConfigFromEnv('usage-service', env)).toStrictEqual({ url: 'nats://n1:4222,nats://n2:4222', namespace: 'tabc', name: 'usage-service' });
    expect(busNamesFromEnv().command('x.v1.y')).toBe('tabc.sb.x.v1.y');
    expect(natsConnectionOptions(natsConfigFromEnv('gateway', {}))).toStrictEqual({
      servers: ['nats://127.0.0.1:4222'],
      name: 'gateway',
      maxReconnectAttempts: -1,
    });
  });

  it('authenticates as NATS_USER with the password from NATS_PASSWORD_FILE, which never shows in the config', () => {
    const cfg = natsConfigFromEnv('usage-service', { NATS_USER: 'usage', NATS_PASSWORD_FILE: file('password', `${PASSWORD}\n`, 0o440) });
    expect(cfg.auth?.user).toBe('usage');
    expect(cfg.auth?.authenticator()).toEqual({ user: 'usage', pass: PASSWORD });
    expect(JSON.stringify(cfg)).not.toContain(PASSWORD);
    expect(natsConfigFromEnv('usage-service', { NATS_USER: 'usage', NATS_PASSWORD: PASSWORD }).auth?.authenticator()).toEqual({ user: 'usage', pass: PASSWORD });
  });

  it('authenticates with a user nkey seed from NATS_NKEY_SEED_FILE, signing the server nonce', () => {
    const pair = nkeys.createUser();
    const cfg = natsConfigFromEnv('gateway', { NATS_NKEY_SEED_FILE: file('seed.nk', `${new TextDecoder().decode(pair.getSeed())}\n`) });
    expect(cfg.auth?.user).toBe(pair.getPublicKey());
    const answer = cfg.auth?.authenticator('nonce-1') as { nkey: string; sig: string };
    expect(answer.nkey).toBe(pair.getPublicKey());
    expect(pair.verify(new TextEncoder().encode('nonce-1'), nkeys.decode(answer.sig))).toBe(true);
  });

  it('requires TLS for tls:// URLs and NATS_TLS_* files, and passes the files to every connection', () => {
    const ca = file('ca.crt', 'ca', 0o644);
    const cert = file('client.crt', 'cert', 0o644);
    const key = file('client.key', 'key', 0o600);
    expect(natsConfigFromEnv('g', { NATS_URL: 'tls://nats-1:4222, tls://nats-2:4222' }).tls).toStrictEqual({});
    const cfg = natsConfigFromEnv('g', { NATS_TLS_CA_FILE: ca, NATS_TLS_CERT_FILE: cert, NATS_TLS_KEY_FILE: key, NATS_INBOX_PREFIX: '_INBOX_gateway' });
    expect(cfg.tls).toStrictEqual({ caFile: ca, certFile: cert, keyFile: key });
    expect(natsConnectionOptions(cfg)).toMatchObject({ tls: { caFile: ca, certFile: cert, keyFile: key }, inboxPrefix: '_INBOX_gateway' });
  });

  it('builds a NATS transport with a queue group, every cluster seed, the credentials, TLS and the inbox prefix', () => {
    const cfg = natsConfigFromEnv('usage-service', {
      NATS_URL: 'nats://n1:4222, nats://n2:4222',
      NATS_USER: 'usage',
      NATS_PASSWORD: PASSWORD,
      NATS_TLS_CA_FILE: file('ca.crt', 'ca', 0o644),
      NATS_INBOX_PREFIX: '_INBOX_usage',
    });
    const options = natsMicroserviceOptions(cfg, 'usage');
    expect(options).toEqual({
      transport: Transport.NATS,
      options: expect.objectContaining({
        servers: ['nats://n1:4222', 'nats://n2:4222'],
        queue: 'usage',
        name: 'usage-service',
        authenticator: expect.any(Function),
        tls: { caFile: join(dir, 'ca.crt') },
        inboxPrefix: '_INBOX_usage',
      }),
    });
  });

  it('refuses incomplete or contradictory credentials, naming the variable', () => {
    failure({ NATS_PASSWORD: PASSWORD }, 'NATS_USER');
    failure({ NATS_USER: 'usage' }, 'NATS_PASSWORD_FILE');
    failure({ NATS_USER: 'usage', NATS_PASSWORD: PASSWORD, NATS_PASSWORD_FILE: file('password', PASSWORD) }, 'NATS_PASSWORD_FILE');
    failure({ NATS_USER: 'usage', NATS_PASSWORD_FILE: file('empty', '\n') }, 'NATS_PASSWORD_FILE');
    failure({ NATS_USER: 'usage', NATS_PASSWORD_FILE: join(dir, 'missing') }, 'NATS_PASSWORD_FILE');
    failure({ NATS_USER: 'usage', NATS_NKEY_SEED_FILE: file('seed.nk', 'x') }, 'NATS_NKEY_SEED_FILE');
  });

  it('refuses secret files others can read, and seeds that are not a user nkey', () => {
    const shown = failure({ NATS_USER: 'usage', NATS_PASSWORD_FILE: file('password', PASSWORD, 0o644) }, 'NATS_PASSWORD_FILE');
    expect(shown.message).toContain('mode 644');
    failure({ NATS_NKEY_SEED_FILE: file('seed.nk', PASSWORD) }, 'NATS_NKEY_SEED_FILE');
    failure({ NATS_NKEY_SEED_FILE: file('account.nk', new TextDecoder().decode(nkeys.createAccount().getSeed())) }, 'NATS_NKEY_SEED_FILE');
    failure({ NATS_TLS_CERT_FILE: file('c.crt', 'c', 0o644), NATS_TLS_KEY_FILE: file('c.key', 'k', 0o604) }, 'NATS_TLS_KEY_FILE');
  });

  it('refuses URLs with credentials without repeating them, foreign schemes, half a client certificate and wildcard inboxes', () => {
    failure({ NATS_URL: `nats://usage:${PASSWORD}@n1:4222` }, 'NATS_URL');
    failure({ NATS_URL: 'ws://n1:8080' }, 'NATS_URL');
    failure({ NATS_TLS_CERT_FILE: file('c.crt', 'c', 0o644) }, 'NATS_TLS_KEY_FILE');
    failure({ NATS_TLS_KEY_FILE: file('c.key', 'k') }, 'NATS_TLS_CERT_FILE');
    failure({ NATS_TLS_CA_FILE: join(dir, 'missing.crt') }, 'NATS_TLS_CA_FILE');
    failure({ NATS_INBOX_PREFIX: '_INBOX.>' }, 'NATS_INBOX_PREFIX');
    failure({ NATS_INBOX_PREFIX: '_INBOX usage' }, 'NATS_INBOX_PREFIX');
  });
});
