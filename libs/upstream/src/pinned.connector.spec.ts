import { Socket } from 'node:net';
import { EgressPolicy } from './egress.policy.js';
import { pinnedConnector, type SocketConnector, type SocketTarget } from './pinned.connector.js';
import { fakeResolver, type Answers } from './testing/fake.resolver.js';
import { EgressRefusedError, HostResolutionError } from './upstream.error.js';

const coded = (code: string): Error => Object.assign(new Error(code), { code });

/** A socket opener that never touches the network: it answers from a script, one entry per attempt. */
function scriptedOpener(outcomes: readonly (Error | 'socket')[]): { open: SocketConnector; attempts: SocketTarget[] } {
  const attempts: SocketTarget[] = [];
  const open: SocketConnector = (target, callback) => {
    const outcome = outcomes[attempts.length] ?? coded('ECONNREFUSED');
    attempts.push(target);
    queueMicrotask(() => (outcome === 'socket' ? callback(null, new Socket()) : callback(outcome, null)));
  };
  return { open, attempts };
}

function connect(answers: Answers, allow: string | undefined, outcomes: readonly (Error | 'socket')[], target: Partial<SocketTarget>, tenantId: string | null = null) {
  const opener = scriptedOpener(outcomes);
  const connector = pinnedConnector({
    policy: EgressPolicy.fromEnv(allow),
    tenantId,
    resolver: fakeResolver(answers).resolve,
    resolveTimeoutMs: 1_000,
    openSocket: opener.open,
  });
  const done = new Promise<Error | Socket>((resolve) => {
    connector({ hostname: 'upstream.test', host: 'upstream.test', protocol: 'https:', port: '443', ...target }, (error, socket) =>
      resolve(error ?? socket),
    );
  });
  return { done, attempts: opener.attempts };
}

describe('pinnedConnector', () => {
  it('opens the socket to the checked address and keeps the hostname as servername', async () => {
    const { done, attempts } = connect({ 'upstream.test': ['104.18.6.192'] }, undefined, ['socket'], {});
    expect(await done).toBeInstanceOf(Socket);
    expect(attempts).toEqual([expect.objectContaining({ hostname: '104.18.6.192', servername: 'upstream.test', port: '443' })]);
  });

  it('sends no servername for an IP-literal host', async () => {
    const { done, attempts } = connect({}, undefined, ['socket'], { hostname: '2606:4700::1', host: '[2606:4700::1]', servername: 'spoofed.example' });
    expect(await done).toBeInstanceOf(Socket);
    expect(attempts).toEqual([expect.objectContaining({ hostname: '2606:4700::1', servername: undefined })]);
  });

  it('refuses with EgressRefusedError and never calls the opener', async () => {
    const { done, attempts } = connect({ 'upstream.test': ['104.18.6.192', '::ffff:a9fe:a9fe'] }, undefined, ['socket'], {});
    const error = await done;
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect((error as Error).message).toContain('cloud metadata address (::ffff:169.254.169.254, which is 169.254.169.254)');
    expect(attempts).toEqual([]);
  });

  it('applies the https rule at connect time too', async () => {
    const { done, attempts } = connect({ 'upstream.test': ['104.18.6.192'] }, undefined, ['socket'], { protocol: 'http:', port: '80' });
    expect(await done).toBeInstanceOf(EgressRefusedError);
    expect(attempts).toEqual([]);
  });

  it('admits for its tenant and the target port, the default one when the target names none', async () => {
    const allow = 'ten_a@10.0.0.0/8:8000, 10.9.0.0/16:443';
    const answers = { 'upstream.test': ['10.0.0.7'], 'shared.test': ['10.9.0.7'] };
    const owner = connect(answers, allow, ['socket'], { protocol: 'http:', port: '8000' }, 'ten_a');
    expect(await owner.done).toBeInstanceOf(Socket);
    expect(owner.attempts).toEqual([expect.objectContaining({ hostname: '10.0.0.7', port: '8000' })]);

    const other = connect(answers, allow, ['socket'], { protocol: 'http:', port: '8000' }, null);
    expect(await other.done).toBeInstanceOf(EgressRefusedError);
    expect(other.attempts).toEqual([]);
    const otherPort = connect(answers, allow, ['socket'], { protocol: 'http:', port: '8001' }, 'ten_a');
    expect(((await otherPort.done) as Error).message).toContain('only on port 8000, not on port 8001');

    const defaultPort = connect(answers, allow, ['socket'], { hostname: 'shared.test', protocol: 'https:', port: '' });
    expect(await defaultPort.done).toBeInstanceOf(Socket);
    const plainDefault = connect(answers, allow, ['socket'], { hostname: 'shared.test', protocol: 'http:', port: '' });
    expect(((await plainDefault.done) as Error).message).toContain('endpoint shared.test:80 resolves');
  });

  it('fails with HostResolutionError when the name does not resolve', async () => {
    const { done, attempts } = connect({}, undefined, ['socket'], {});
    expect(await done).toEqual(new HostResolutionError('host upstream.test does not resolve', false));
    expect(attempts).toEqual([]);
  });

  it('tries the next checked address when one is unreachable, up to three', async () => {
    const answers = { 'upstream.test': ['2606:4700::1', '2606:4700::2', '104.18.6.192', '104.18.7.192'] };
    const tried = connect(answers, undefined, [coded('ENETUNREACH'), coded('UND_ERR_CONNECT_TIMEOUT'), 'socket'], {});
    expect(await tried.done).toBeInstanceOf(Socket);
    expect(tried.attempts.map((target) => target.hostname)).toEqual(['2606:4700::1', '2606:4700::2', '104.18.6.192']);

    const exhausted = connect(answers, undefined, [coded('ECONNREFUSED'), coded('ECONNREFUSED'), coded('ECONNREFUSED'), 'socket'], {});
    expect(await exhausted.done).toMatchObject({ code: 'ECONNREFUSED' });
    expect(exhausted.attempts).toHaveLength(3);
  });

  it('does not retry a TLS failure on another address', async () => {
    const { done, attempts } = connect({ 'upstream.test': ['104.18.6.192', '104.18.7.192'] }, undefined, [coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'socket'], {});
    expect(await done).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(attempts).toHaveLength(1);
  });
});
