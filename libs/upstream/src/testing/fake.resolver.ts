import type { Resolver } from '../host.resolver.js';

export type Answers = Readonly<Record<string, readonly string[] | (() => readonly string[])>>;

export interface FakeResolver {
  readonly resolve: Resolver;
  /** Hostnames asked for, in order. */
  readonly asked: string[];
}

/** DNS for specs: fixed or changing answers, ENOTFOUND for anything else, never the network. */
export function fakeResolver(answers: Answers): FakeResolver {
  const asked: string[] = [];
  const resolve: Resolver = async (hostname) => {
    asked.push(hostname);
    const answer = answers[hostname];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const addresses = typeof answer === 'function' ? answer() : answer;
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}
